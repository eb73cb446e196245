export const id = 60;
export const ids = [60];
export const modules = {

/***/ 72020:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Hn: () => (/* binding */ cell),
/* harmony export */   PS: () => (/* binding */ fnv1a),
/* harmony export */   YC: () => (/* binding */ editDistance),
/* harmony export */   vd: () => (/* binding */ day),
/* harmony export */   wI: () => (/* binding */ utf8Length)
/* harmony export */ });
/** Small text helpers the core, the inputs and the reports share: one of each. */
/** 32-bit FNV-1a of a string's UTF-8 bytes: a stable hash (the same on every runner and run). */
function fnv1a(text) {
    let hash = 0x811c9dc5;
    for (const byte of new TextEncoder().encode(text)) {
        hash ^= byte;
        hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash >>> 0;
}
/** Levenshtein distance (insertions, deletions and substitutions), for "did you mean" hints. Case-sensitive. */
function editDistance(a, b) {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
        const next = [i];
        for (let j = 1; j <= b.length; j += 1) {
            next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
        }
        row = next;
    }
    return row[b.length] ?? 0;
}
/** A date as a person reads it in a table or a line: `2026-12-02` (UTC). */
function day(d) {
    return d.toISOString().slice(0, 10);
}
/** Text fit for one cell of a Markdown table: no pipe ends the cell, no line break ends the row. */
function cell(s) {
    return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
/** Bytes of a text in UTF-8: what GitHub's size limits count. */
function utf8Length(s) {
    return new TextEncoder().encode(s).length;
}


/***/ }),

/***/ 38060:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  readFleetFile: () => (/* binding */ readFleetFile)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(38815);
// EXTERNAL MODULE: ./src/core/model.ts
var model = __webpack_require__(44146);
// EXTERNAL MODULE: ./src/inputs/app.ts
var inputs_app = __webpack_require__(75330);
// EXTERNAL MODULE: ./src/inputs/values.ts
var values = __webpack_require__(18463);
;// CONCATENATED MODULE: ./src/inputs/fleet-doc.ts
/**
 * The fleet file as parsed YAML that remembers lines: every problem names `file:line: path.to.key`, and an app entry
 * or a target is a value source for the same rules as the step's inputs.
 */


/** `apps[2].targets[0].visibility` */
function pathText(path) {
    return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
class FleetDoc {
    file;
    doc;
    #lines;
    /** JSON pointers of values the schema already reported: the rules skip them, so nothing is said twice. */
    reported = new Set();
    /** JSON pointers of keys the schema does not know: reported, and then taken as absent. */
    unknown = new Set();
    constructor(file, text) {
        this.file = file;
        this.#lines = new dist/* LineCounter */.HN();
        this.doc = (0,dist/* parseDocument */.Tp)(text, { lineCounter: this.#lines, uniqueKeys: true, prettyErrors: true });
    }
    /** YAML syntax problems, each `file:line: message`. */
    syntaxProblems() {
        return [...this.doc.errors, ...this.doc.warnings].map((e) => `${this.file}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0] ?? ''}`);
    }
    /** The node at a path (undefined when absent), and the line of its key (or item, or nearest present parent). */
    locate(path) {
        let node = this.doc.contents;
        let line = this.lineOf(node) ?? 1;
        for (const segment of path) {
            if ((0,dist/* isMap */.jh)(node)) {
                const pair = node.items.find((p) => ((0,dist/* isScalar */.jn)(p.key) ? String(p.key.value) : p.key) === segment);
                if (pair === undefined)
                    return { node: undefined, line };
                line = this.lineOf(pair.key) ?? line;
                node = pair.value;
            }
            else if ((0,dist/* isSeq */.oP)(node) && typeof segment === 'number') {
                node = node.items[segment];
                line = this.lineOf(node) ?? line;
            }
            else
                return { node: undefined, line };
        }
        return { node, line };
    }
    /** `file:line: apps[0].secret-name` */
    where(path) {
        return `${this.file}:${this.locate(path).line}: ${pathText(path)}`;
    }
    isReported(path) {
        for (let i = path.length; i >= 0; i--) {
            if (this.reported.has(pointer(path.slice(0, i))))
                return true;
        }
        return false;
    }
    lineOf(node) {
        const range = node?.range;
        return range ? this.#lines.linePos(range[0]).line : undefined;
    }
}
/** A JSON pointer, as Ajv's instancePath. */
function pointer(path) {
    return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
/** A scalar's text: YAML numbers and booleans as written in an input; null as ''. */
function scalarText(node) {
    if (!(0,dist/* isScalar */.jn)(node))
        return '';
    const v = node.value;
    if (typeof v === 'string')
        return v.trim();
    return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '';
}
/**
 * A mapping of the file as a value source: each key is looked up in `layers` in turn (an app entry, then
 * `defaults`), then in `fallback` (action.yml's defaults, as for an input the step leaves out).
 */
function mapSource(doc, layers, fallback) {
    const find = (key) => layers.map((l) => [...l, key]).find((p) => !doc.unknown.has(pointer(p)) && doc.locate(p).node !== undefined);
    const own = layers[0] ?? [];
    return {
        text: (key) => {
            const path = find(key);
            // Absent: a missing required key is already reported; any other gets its default.
            if (path === undefined)
                return doc.isReported([...own, key]) ? undefined : (fallback[key] ?? '').trim();
            if (doc.isReported(path))
                return undefined;
            const { node } = doc.locate(path);
            return (0,dist/* isSeq */.oP)(node) ? node.items.map(scalarText).join('\n') : scalarText(node);
        },
        items: (key) => {
            const path = find(key);
            return path === undefined || doc.isReported(path) ? undefined : itemsAt(doc, path);
        },
        where: (key) => doc.where(find(key) ?? [...own, key]),
        inherited: (key) => {
            const path = find(key);
            return path !== undefined && (path.length !== own.length + 1 || own.some((part, i) => path[i] !== part));
        },
        omitHint: 'or leave the key out to use the default',
    };
}
/** A YAML list's items (each with its own line), or a text's lines. */
function itemsAt(doc, path) {
    const { node } = doc.locate(path);
    if ((0,dist/* isSeq */.oP)(node)) {
        return node.items.flatMap((item, i) => {
            const itemPath = [...path, i];
            const text = scalarText(item);
            return doc.isReported(itemPath) || text === '' ? [] : [{ text, where: doc.where(itemPath) }];
        });
    }
    const lines = (0,values/* numberedLines */.UF)((0,dist/* isScalar */.jn)(node) && typeof node.value === 'string' ? node.value : '');
    return lines.length === 0 ? undefined : lines.map((l) => ({ text: l.text, where: `${doc.where(path)}, line ${l.line}` }));
}

// EXTERNAL MODULE: ./node_modules/ajv/dist/ajv.js
var ajv = __webpack_require__(42463);
;// CONCATENATED MODULE: ./fleet.schema.json
const fleet_schema_namespaceObject = /*#__PURE__*/JSON.parse('{"$schema":"http://json-schema.org/draft-07/schema#","title":"entra-secret-rotator fleet file","description":"Apps whose client secrets the entra-secret-rotator action keeps, and the GitHub secrets (Actions, Dependabot, Codespaces) each feeds. Keys have the names and meanings of the action\'s inputs.","type":"object","additionalProperties":false,"required":["apps"],"properties":{"defaults":{"type":"object","additionalProperties":false,"description":"Settings every app gets unless it sets them itself.","properties":{"create-if-missing":{"$ref":"#/definitions/boolean","description":"Create the app registration (and its service principal) when no app has app-name. Default true."},"sign-in-audience":{"description":"Always sent on create (default AzureADMyOrg); enforced on an existing app only when given.","enum":["AzureADMyOrg","AzureADMultipleOrgs","AzureADandPersonalMicrosoftAccount","PersonalMicrosoftAccount"]},"service-principal":{"$ref":"#/definitions/boolean","description":"Make sure the app\'s service principal exists. Default true."},"web-redirect-uris":{"$ref":"#/definitions/list","description":"The app\'s web redirect URIs become exactly these (https, or http://localhost)."},"spa-redirect-uris":{"$ref":"#/definitions/list","description":"The app\'s single-page-application redirect URIs become exactly these."},"public-client-redirect-uris":{"$ref":"#/definitions/list","description":"The app\'s mobile and desktop redirect URIs become exactly these."},"allow-public-client-flows":{"$ref":"#/definitions/boolean","description":"The portal\'s \'Allow public client flows\' (isFallbackPublicClient)."},"api-permissions":{"$ref":"#/definitions/list","description":"One entry per API: \'API: permission, permission=Role\'. The app\'s API permissions become exactly these (not consent)."},"federated-credentials":{"$ref":"#/definitions/list","description":"GitHub OIDC subjects (repo:OWNER/REPO:environment:NAME, ...), at most 20."},"tags":{"$ref":"#/definitions/list","description":"The app\'s tags become exactly these."},"notes":{"type":"string","minLength":1,"description":"The app\'s notes."},"credential-type":{"enum":["client-secret","certificate"],"description":"What to rotate on the app: client-secret (default) or certificate."},"certificate-format":{"enum":["pem","pfx"],"description":"With credential-type certificate, what a target receives: pem (default; key then certificate) or pfx (base64 PKCS#12, empty password)."},"credential-name":{"type":"string","minLength":1,"description":"Description of the client secrets or certificates this action creates; only these are rotated or removed. Default rotated-by-github-actions."},"secret-lifetime-days":{"type":"integer","minimum":1,"maximum":730,"description":"Lifetime of a new client secret in days. Default 180."},"rotate-before-days":{"type":"integer","minimum":0,"maximum":730,"description":"Rotate when the newest managed secret expires within this many days; fewer than secret-lifetime-days. Default 30."},"force-rotation":{"$ref":"#/definitions/boolean","description":"Rotate now, whatever the expiry. Default false."},"verify-new-secret":{"$ref":"#/definitions/boolean","description":"Get a token with the new secret before any GitHub secret gets it. Default true."},"keep-previous":{"type":"integer","minimum":0,"maximum":10,"description":"Managed secrets kept besides the new one after a rotation. Default 1."}}},"apps":{"type":"array","minItems":1,"description":"The apps, each once.","items":{"$ref":"#/definitions/app"}}},"definitions":{"boolean":{"enum":[true,false,"true","false"]},"list":{"type":["array","string"],"minLength":1,"items":{"type":"string"}},"app":{"type":"object","additionalProperties":false,"required":["targets"],"properties":{"app-name":{"type":"string","minLength":1,"description":"Display name of the app registration to find (exact match) or create. One of app-name / app-id."},"app-id":{"type":"string","minLength":1,"description":"Client ID (appId, a GUID) of an existing app registration. One of app-name / app-id."},"create-if-missing":{"$ref":"#/definitions/boolean","description":"Create the app registration (and its service principal) when no app has app-name. Default true."},"sign-in-audience":{"description":"Always sent on create (default AzureADMyOrg); enforced on an existing app only when given.","enum":["AzureADMyOrg","AzureADMultipleOrgs","AzureADandPersonalMicrosoftAccount","PersonalMicrosoftAccount"]},"service-principal":{"$ref":"#/definitions/boolean","description":"Make sure the app\'s service principal exists. Default true."},"web-redirect-uris":{"$ref":"#/definitions/list","description":"The app\'s web redirect URIs become exactly these (https, or http://localhost)."},"spa-redirect-uris":{"$ref":"#/definitions/list","description":"The app\'s single-page-application redirect URIs become exactly these."},"public-client-redirect-uris":{"$ref":"#/definitions/list","description":"The app\'s mobile and desktop redirect URIs become exactly these."},"allow-public-client-flows":{"$ref":"#/definitions/boolean","description":"The portal\'s \'Allow public client flows\' (isFallbackPublicClient)."},"api-permissions":{"$ref":"#/definitions/list","description":"One entry per API: \'API: permission, permission=Role\'. The app\'s API permissions become exactly these (not consent)."},"federated-credentials":{"$ref":"#/definitions/list","description":"GitHub OIDC subjects (repo:OWNER/REPO:environment:NAME, ...), at most 20."},"tags":{"$ref":"#/definitions/list","description":"The app\'s tags become exactly these."},"notes":{"type":"string","minLength":1,"description":"The app\'s notes."},"credential-type":{"enum":["client-secret","certificate"],"description":"What to rotate on the app: client-secret (default) or certificate."},"certificate-format":{"enum":["pem","pfx"],"description":"With credential-type certificate, what a target receives: pem (default; key then certificate) or pfx (base64 PKCS#12, empty password)."},"credential-name":{"type":"string","minLength":1,"description":"Description of the client secrets or certificates this action creates; only these are rotated or removed. Default rotated-by-github-actions."},"secret-lifetime-days":{"type":"integer","minimum":1,"maximum":730,"description":"Lifetime of a new client secret in days. Default 180."},"rotate-before-days":{"type":"integer","minimum":0,"maximum":730,"description":"Rotate when the newest managed secret expires within this many days; fewer than secret-lifetime-days. Default 30."},"force-rotation":{"$ref":"#/definitions/boolean","description":"Rotate now, whatever the expiry. Default false."},"verify-new-secret":{"$ref":"#/definitions/boolean","description":"Get a token with the new secret before any GitHub secret gets it. Default true."},"keep-previous":{"type":"integer","minimum":0,"maximum":10,"description":"Managed secrets kept besides the new one after a rotation. Default 1."},"targets":{"type":"array","minItems":1,"description":"The GitHub secrets this app\'s client secret (and companions) are written to.","items":{"$ref":"#/definitions/target"}}}},"target":{"type":"object","additionalProperties":false,"required":["secret-name"],"properties":{"key-vault":{"type":"string","minLength":1,"description":"An Azure Key Vault\'s URL (https://<vault>.vault.azure.net): secret-name (and client-id-secret-name, tenant-id-secret-name) are secrets of this vault, tagged with the app\'s client ID and the credential\'s key ID. Not with repository / organization."},"repository":{"type":"string","minLength":1,"description":"owner/name: a secret of this repository (or of one of its environments). One of repository / organization / key-vault."},"organization":{"type":"string","minLength":1,"description":"An organisation secret of this organisation. One of repository / organization / key-vault."},"environment":{"type":"string","minLength":1,"description":"With repository: an environment secret of this environment."},"dependabot":{"$ref":"#/definitions/boolean","description":"A Dependabot secret instead of an Actions secret. Not with environment."},"codespaces":{"$ref":"#/definitions/boolean","description":"A Codespaces secret instead of an Actions secret. Not with environment, nor with dependabot."},"visibility":{"description":"With organization: which repositories may use the secret. Default private.","enum":["all","private","selected"]},"repositories":{"type":"array","minItems":1,"items":{"type":"string"},"description":"With visibility selected: the repository names (not owner/name) that may use the secret."},"secret-name":{"type":"string","minLength":1,"description":"Name of the secret that receives the client secret value."},"client-id-secret-name":{"type":"string","minLength":1,"description":"Also write the app\'s client ID under this name."},"tenant-id-secret-name":{"type":"string","minLength":1,"description":"Also write the tenant ID under this name."},"credentials-secret-name":{"type":"string","minLength":1,"description":"Also write the azure/login creds JSON under this name."},"subscription-id":{"type":"string","minLength":1,"description":"Subscription ID (GUID) put into the credentials JSON."},"client-id-variable-name":{"type":"string","minLength":1,"description":"Also write the app\'s client ID as an Actions variable of this name (repository, environment or organisation; read back, written only when it differs)."},"tenant-id-variable-name":{"type":"string","minLength":1,"description":"Also write the tenant ID as an Actions variable of this name."}}}}}');
// EXTERNAL MODULE: ./src/core/text.ts
var core_text = __webpack_require__(72020);
;// CONCATENATED MODULE: ./src/inputs/fleet-schema.ts
/**
 * The fleet file's shape, checked with the JSON Schema the repository ships (fleet.schema.json, the one editors use
 * too), each error said as `file:line: path: expected …, got …`.
 */




/** An empty value in the file, in the schema's words and the rules' alike. */
const EMPTY_EXPECTED = 'expected a value (an empty one means nothing: leave the key out to use its default)';
let compiled;
function validator() {
    compiled ??= new ajv.Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(fleet_schema_namespaceObject);
    return compiled;
}
/** Checks the document against the schema; returns the problems and marks what they cover as reported. */
function schemaProblems(doc, data) {
    const validate = validator();
    if (validate(data))
        return [];
    return unique(validate.errors ?? []).map((e) => describe(doc, e));
}
/** Each error once (allErrors can report one through two schema paths). */
function unique(errors) {
    const seen = new Set();
    return errors.filter((e) => {
        const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
        return seen.has(key) ? false : (seen.add(key), true);
    });
}
function pathOf(instancePath) {
    return instancePath
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
function describe(doc, e) {
    const path = pathOf(e.instancePath);
    const params = e.params;
    switch (e.keyword) {
        case 'additionalProperties': {
            const key = String(params['additionalProperty']);
            doc.unknown.add(pointer([...path, key]));
            const allowed = Object.keys(e.parentSchema?.properties ?? {});
            return `${at(doc, [...path, key])}: unknown key${nearest(key, allowed)}; expected one of ${allowed.join(', ')}`;
        }
        case 'required': {
            const key = String(params['missingProperty']);
            doc.reported.add(pointer([...path, key]));
            return `${at(doc, [...path, key])}: required`;
        }
        default:
            doc.reported.add(e.instancePath);
            return `${at(doc, path)}: ${expectation(e)}, got ${shown(e.data)}`;
    }
}
function at(doc, path) {
    return path.length === 0 ? `${doc.file}:${doc.locate(path).line}: (top level)` : doc.where(path);
}
const TYPE_WORDS = {
    string: 'a text',
    integer: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping (key: value)',
};
function expectation(e) {
    const params = e.params;
    switch (e.keyword) {
        case 'enum':
            return `expected ${orList(params['allowedValues'].filter((v) => typeof v !== 'string' || !['true', 'false'].includes(v)).map(String))}`;
        case 'type':
            return `expected ${orList(String(params['type']).split(',').map((t) => TYPE_WORDS[t] ?? t))}`;
        case 'minimum':
            return `expected at least ${String(params['limit'])}`;
        case 'maximum':
            return `expected at most ${String(params['limit'])}`;
        case 'minLength':
            return EMPTY_EXPECTED;
        case 'minItems':
            return `expected at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}`;
        default:
            return `expected a value that ${e.message ?? 'matches the schema'}`;
    }
}
/** `a, b or c` */
function orList(words) {
    return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}
function shown(value) {
    if (typeof value === 'string')
        return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
    if (value === null || value === undefined)
        return 'nothing';
    if (Array.isArray(value))
        return 'a list';
    if (typeof value === 'number' || typeof value === 'boolean')
        return String(value);
    return 'a mapping';
}
/** ` (did you mean x?)` when a known key is within two edits of an unknown one. */
function nearest(key, allowed) {
    const scored = allowed.map((k) => ({ k, d: (0,core_text/* editDistance */.YC)(key.toLowerCase().replace(/_/g, '-'), k) })).sort((a, b) => a.d - b.d);
    const best = scored[0];
    return best !== undefined && best.d <= 2 ? ` (did you mean ${best.k}?)` : '';
}

// EXTERNAL MODULE: ./src/inputs/github-names.ts
var github_names = __webpack_require__(95739);
// EXTERNAL MODULE: ./src/inputs/targets.ts
var inputs_targets = __webpack_require__(74295);
;// CONCATENATED MODULE: ./src/inputs/fleet-file.ts
/**
 * Fleet mode: the apps and their targets from a YAML file in the workspace. The file's shape is checked against
 * fleet.schema.json, then each app entry (over `defaults`, over action.yml's defaults) goes through the same rules as
 * the step's inputs, then the run as a whole (each app once, each secret one writer). Every problem at once.
 */









/** `path`: the config input, relative to GITHUB_WORKSPACE. Undefined when anything is wrong (all of it in problems). */
function readFleetFile(step, path, actionDefaults) {
    const before = step.problems.length;
    const text = loadFile(step, path);
    if (text === undefined)
        return undefined;
    const doc = new FleetDoc(path, text);
    const syntax = doc.syntaxProblems();
    if (syntax.length > 0) {
        step.problems.push(...syntax);
        return undefined;
    }
    step.problems.push(...schemaProblems(doc, doc.doc.toJS()));
    step.problems.push(...emptyValues(doc, doc.doc.contents, []));
    const ctx = { doc, step, actionDefaults, federation: (0,inputs_app/* federationOf */.vl)(step) };
    const appsNode = doc.locate(['apps']).node;
    const entries = (0,dist/* isSeq */.oP)(appsNode) ? appsNode.items.map((_, i) => readEntry(ctx, i)) : [];
    step.problems.push(...sameAppTwice(doc, entries), ...sameSecretTwice(entries));
    const specs = entries.map((e) => e.spec);
    return step.problems.length > before || specs.includes(undefined) ? undefined : specs;
}
/**
 * A key with an empty or blank value is a mistake, never "not given" (`environment: ''` would otherwise mean the
 * repository secret, readable by every workflow): each is a problem, whatever the key, unless already reported.
 */
function emptyValues(doc, node, path) {
    if ((0,dist/* isSeq */.oP)(node))
        return node.items.flatMap((item, i) => ((0,dist/* isMap */.jh)(item) || (0,dist/* isSeq */.oP)(item) ? emptyValues(doc, item, [...path, i]) : []));
    if (!(0,dist/* isMap */.jh)(node))
        return [];
    return node.items.flatMap((pair) => {
        const key = (0,dist/* isScalar */.jn)(pair.key) ? String(pair.key.value) : '';
        const at = [...path, key];
        if (doc.unknown.has(pointer(at)) || doc.isReported(at))
            return [];
        const { value } = pair;
        const blank = value === null || ((0,dist/* isScalar */.jn)(value) && (value.value === null || (typeof value.value === 'string' && value.value.trim() === '')));
        if (!blank)
            return emptyValues(doc, value, at);
        doc.reported.add(pointer(at));
        const text = (0,dist/* isScalar */.jn)(value) && typeof value.value === 'string' ? `'${value.value}'` : 'nothing';
        return [`${doc.where(at)}: ${EMPTY_EXPECTED}, got ${text}`];
    });
}
function loadFile(step, path) {
    const workspace = (0,external_node_path_.resolve)(step.environment('GITHUB_WORKSPACE') || '.');
    const full = (0,external_node_path_.resolve)(workspace, path);
    const inside = (root, file) => {
        const rel = (0,external_node_path_.relative)(root, file);
        return rel !== '' && !rel.startsWith('..') && !(0,external_node_path_.isAbsolute)(rel);
    };
    if (!inside(workspace, full)) {
        step.problem('config', path, 'the path of a file inside the workspace (GITHUB_WORKSPACE), like .github/fleet.yml');
        return undefined;
    }
    if (!(0,external_node_fs_.existsSync)(full) || !(0,external_node_fs_.statSync)(full).isFile()) {
        step.problems.push(`config: no file '${path}' in the workspace (${workspace}); expected the path of the fleet file, relative to the workspace (did the job check out the repository?)`);
        return undefined;
    }
    if (!inside((0,external_node_fs_.realpathSync)(workspace), (0,external_node_fs_.realpathSync)(full))) {
        step.problem('config', path, 'a file inside the workspace (GITHUB_WORKSPACE), not a link to one outside it');
        return undefined;
    }
    return (0,external_node_fs_.readFileSync)(full, 'utf8');
}
function readEntry(ctx, index) {
    const { doc } = ctx;
    const appPath = ['apps', index];
    const entry = { index, label: pathText(appPath), spec: undefined, targets: [] };
    if (!(0,dist/* isMap */.jh)(doc.locate(appPath).node) || doc.isReported(appPath))
        return entry;
    const values = ctx.step.withSource(mapSource(doc, [appPath, ['defaults']], ctx.actionDefaults));
    const app = (0,inputs_app/* readApp */.uW)(values, ctx.federation);
    const rotation = (0,inputs_app/* readRotation */.BZ)(values);
    const targets = readTargets(ctx, [...appPath, 'targets']);
    const azureLogin = rotation === undefined ? undefined : (0,inputs_app/* azureLoginProblem */.Ke)(rotation.kind);
    const loginTargets = azureLogin === undefined ? [] : (targets ?? []).filter((t) => t.target.kind === 'credentials');
    for (const t of loginTargets)
        ctx.step.problems.push(`${t.where}: ${azureLogin ?? ''}`);
    if (loginTargets.length > 0)
        return entry;
    entry.targets = targets ?? [];
    if (app)
        entry.label = `'${app.name ?? app.appId ?? ''}' (${pathText(appPath)})`;
    if (app && rotation && targets) {
        entry.spec = { key: (0,inputs_app/* appKey */.$k)(app), source: `${doc.file}: ${pathText(appPath)}`, app, rotation, targets: targets.map((t) => t.target) };
    }
    return entry;
}
function readTargets(ctx, path) {
    const node = ctx.doc.locate(path).node;
    if (!(0,dist/* isSeq */.oP)(node) || ctx.doc.isReported(path))
        return undefined;
    const all = node.items.map((item, j) => ((0,dist/* isMap */.jh)(item) && !ctx.doc.isReported([...path, j]) ? readTarget(ctx, [...path, j]) : undefined));
    return all.includes(undefined) ? undefined : all.flat();
}
/**
 * One target entry: a GitHub scope, its access (organisations), the secret names written there and the variable
 * names (Actions only); or a Key Vault (`key-vault`) and the secret names written in it.
 */
function readTarget(ctx, path) {
    const t = ctx.step.withSource(mapSource(ctx.doc, [path], {}));
    if (t.value('key-vault') !== '' || t.reported('key-vault'))
        return readKeyVaultTarget(t);
    const scope = readScope(t);
    const access = readAccess(t, scope);
    const names = (0,inputs_app/* readSecretNames */.P8)(t);
    const variables = (0,inputs_targets/* readVariableNames */.hj)(t);
    const subscriptionId = (0,inputs_targets/* readSubscriptionId */.bF)(t);
    if (scope !== undefined && scope.service !== 'actions') {
        for (const v of variables ?? [])
            t.about(v.key, `not with ${scope.service}: true (variables belong to Actions)`);
    }
    if (scope === undefined || access === 'bad' || names === undefined || variables === undefined || (scope.service !== 'actions' && variables.length > 0))
        return undefined;
    const targets = [...(0,inputs_targets/* scopeTargets */.FH)(scope, names, subscriptionId, access), ...(0,inputs_targets/* variableTargets */.Fg)(scope, variables, access)];
    return targets.map(({ target, name }) => ({ target, where: t.source.where(name.key) }));
}
/** Keys a Key Vault target cannot have: they say where on GitHub, or what only GitHub holds. */
const NOT_WITH_KEY_VAULT = ['repository', 'organization', 'environment', 'dependabot', 'codespaces', 'visibility', 'repositories', 'credentials-secret-name', 'subscription-id', ...inputs_targets/* VARIABLE_NAME_KEYS */.oi];
const KEY_VAULT_NAME_KEYS = ['secret-name', 'client-id-secret-name', 'tenant-id-secret-name'];
const KEY_VAULT_KIND = { 'secret-name': 'secret', 'client-id-secret-name': 'client-id', 'tenant-id-secret-name': 'tenant-id' };
/** A Key Vault target: the vault's URL and the names of the secrets written in it (the value, and the IDs if asked). */
function readKeyVaultTarget(t) {
    const before = t.problems.length;
    for (const key of NOT_WITH_KEY_VAULT) {
        if (t.value(key) !== '' || t.items(key) !== undefined)
            t.about(key, 'not with key-vault (a Key Vault target names its vault, and the secrets in it)');
    }
    const scope = t.reported('key-vault') ? undefined : (0,inputs_targets/* readVaultUrl */.kT)(t, t.source.where('key-vault'), t.value('key-vault'));
    const targets = [];
    for (const key of KEY_VAULT_NAME_KEYS) {
        const name = t.value(key);
        if (name === '' || !(0,inputs_targets/* keyVaultNameFits */.b)(t, t.source.where(key), name))
            continue;
        if (targets.some((x) => x.target.name.toLowerCase() === name.toLowerCase()))
            t.problem(t.source.where(key), name, 'a name different from the others of this vault (Key Vault names are case-insensitive)');
        else if (scope !== undefined)
            targets.push({ target: { scope, name, kind: KEY_VAULT_KIND[key] }, where: t.source.where(key) });
    }
    return t.problems.length > before || scope === undefined ? undefined : targets;
}
function readScope(t) {
    const repository = t.value('repository');
    const organization = t.value('organization');
    const environment = t.value('environment');
    if ((repository === '') === (organization === '')) {
        if (t.reported('repository') || t.reported('organization'))
            return undefined;
        const message = repository === '' ? 'one is required: repository (owner/name) for a repository or environment secret, organization for an organisation secret, key-vault for a Key Vault' : 'give one, not both';
        t.about('repository / organization', message);
        return undefined;
    }
    const service = readService(t, environment);
    if (service === undefined)
        return undefined;
    if (organization !== '')
        return organizationScope(t, organization, environment, service);
    const repo = (0,inputs_targets/* readRepositoryName */.o2)(t, t.source.where('repository'), repository);
    if (repo === undefined || !(0,inputs_targets/* environmentNameFits */.rx)(t, t.source.where('environment'), environment))
        return undefined;
    return environment === '' ? { service, ...repo } : { service, ...repo, environment };
}
/** The secrets of another service than Actions that a target may name with `KEY: true`. */
const OTHER_SERVICES = [
    { key: 'dependabot', service: 'dependabot', noun: 'Dependabot secrets' },
    { key: 'codespaces', service: 'codespaces', noun: 'Codespaces secrets' },
];
/**
 * Whose secrets a target writes: Actions', or Dependabot's or Codespaces' (`dependabot: true`, `codespaces: true`;
 * one at most), which belong to repositories and organisations only.
 */
function readService(t, environment) {
    const chosen = OTHER_SERVICES.filter((s) => t.optionalBool(s.key) === true);
    const other = chosen[0];
    if (other === undefined)
        return 'actions';
    if (chosen.length > 1) {
        t.about(chosen.map((s) => s.key).join(' / '), 'give one, not both (a target writes the secrets of one service)');
        return undefined;
    }
    if (environment !== '') {
        t.about('environment', `not with ${other.key}: true (${other.noun} belong to repositories and organisations, not environments)`);
        return undefined;
    }
    return other.service;
}
function organizationScope(t, organization, environment, service) {
    if (environment !== '')
        t.about('environment', 'only with repository: environments belong to repositories, not organisations');
    else if (!(0,github_names/* isOwnerName */.BZ)(organization))
        t.problem(t.source.where('organization'), organization, github_names/* OWNER_EXPECTED */.Fm);
    else
        return { service, owner: organization };
    return undefined;
}
const VISIBILITIES = ['all', 'private', 'selected'];
/** Organisation targets: visibility (default private, as `gh secret set --org`) and, with selected, the repositories. */
function readAccess(t, scope) {
    const given = t.oneOf('visibility', VISIBILITIES, 'not given');
    const items = t.items('repositories');
    const before = t.problems.length;
    if (scope !== undefined && scope.repo !== undefined) {
        for (const key of ['visibility', 'repositories']) {
            if (t.value(key) !== '' || t.items(key) !== undefined)
                t.about(key, 'only with organization (a repository secret is visible to its repository)');
        }
        return t.problems.length > before ? 'bad' : undefined;
    }
    // A visibility the schema refused says nothing about repositories.
    if (t.reported('visibility'))
        return 'bad';
    const visibility = given ?? 'private';
    if (items !== undefined && visibility !== 'selected')
        t.about('repositories', `only with visibility: selected (got ${visibility})`);
    if (items === undefined && visibility === 'selected' && !t.reported('repositories')) {
        t.about('visibility', 'selected needs repositories: the names of the repositories that may use the secret');
    }
    const repositories = [];
    for (const { text, where } of items ?? []) {
        if (!(0,github_names/* isRepoName */.AW)(text))
            t.problem(where, text, github_names/* REPO_NAME_EXPECTED */.Y6);
        else if (!repositories.some((r) => r.toLowerCase() === text.toLowerCase()))
            repositories.push(text);
    }
    if (t.problems.length > before || scope === undefined)
        return 'bad';
    return { visibility, repositories: visibility === 'selected' ? repositories : [] };
}
/** Each app once: the same app-name, or the same app-id, twice is a mistake. */
function sameAppTwice(doc, entries) {
    const seen = new Map();
    const problems = [];
    for (const e of entries) {
        if (e.spec === undefined)
            continue;
        const first = seen.get(e.spec.key);
        if (first !== undefined) {
            problems.push(`${doc.where(['apps', e.index])}: app ${e.label} is declared twice (also ${pathText(['apps', first.index])}); give each app one entry`);
        }
        else
            seen.set(e.spec.key, e);
    }
    return problems;
}
/** Each GitHub secret one writer: the same name (case-insensitive) in the same scope twice is a mistake. */
function sameSecretTwice(entries) {
    const seen = new Map();
    const problems = [];
    for (const entry of entries) {
        for (const { target, where } of entry.targets) {
            const key = `${(0,model/* scopeKey */.OD)(target.scope)}|${target.name.toUpperCase()}`;
            const first = seen.get(key);
            if (first === undefined)
                seen.set(key, { entry, where });
            else if (first.entry === entry)
                problems.push(`${where}: app ${entry.label} writes ${(0,model/* targetLabel */.Op)(target)} twice (also ${first.where})`);
            else
                problems.push(`${where}: app ${entry.label} writes ${(0,model/* targetLabel */.Op)(target)}, which app ${first.entry.label} writes too (${first.where}); give each secret one app`);
        }
    }
    return problems;
}


/***/ })

};
