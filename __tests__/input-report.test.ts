import { InputError } from '../src/core/errors';
import { inputProblemsMarkdown } from '../src/core/input-report';

describe('inputProblemsMarkdown', () => {
  it('lists every problem in a text block, with a count', () => {
    const md = inputProblemsMarkdown(["tenant-id: got 'x', expected a GUID", 'dry-run: got \'1\', expected true or false']);
    expect(md).toContain('fix 2 inputs of the step');
    expect(md).toContain("```text\ntenant-id: got 'x', expected a GUID\ndry-run: got '1', expected true or false\n```");
  });

  it('keeps a value with backticks inside the block', () => {
    const md = inputProblemsMarkdown(["app-name: got '```\n# not a heading', expected a display name"]);
    expect(md).toContain("````text\napp-name: got '```\n# not a heading', expected a display name\n````");
    expect(md).toContain('fix an input of the step');
  });

  it('says "the fleet file" for problems in it, and counts inputs and file problems apart', () => {
    const inFile = ["fleet.yml:5: apps[0].targets[0].visibility: expected all, private or selected, got 'public'", 'fleet.yml:9: apps[1].targets: required'];
    const md = inputProblemsMarkdown(inFile, 'fleet.yml');
    expect(md).toContain('Failed on a bad fleet file: fix 2 problems in the fleet file `fleet.yml`.');
    expect(md).toContain(inFile.join('\n'));
    const both = inputProblemsMarkdown(["tenant-id: got 'x', expected a GUID", ...inFile], 'fleet.yml');
    expect(both).toContain('Failed on bad input and a bad fleet file: fix an input of the step and 2 problems in the fleet file `fleet.yml`.');
    expect(inputProblemsMarkdown(['app-name: set per app in the fleet file (config), not in the step'], 'fleet.yml')).toContain('Failed on bad input: fix an input of the step.');
  });
});

describe('InputError', () => {
  it('names the fleet file in its message when problems are there', () => {
    expect(new InputError(['fleet.yml:2: apps: required'], 'fleet.yml').message).toBe('Invalid fleet file: fleet.yml:2: apps: required');
    expect(new InputError(["tenant-id: got 'x'", 'fleet.yml:2: apps: required'], 'fleet.yml').message).toBe(
      "2 problems in the inputs and the fleet file fleet.yml:\n  - tenant-id: got 'x'\n  - fleet.yml:2: apps: required",
    );
    expect(new InputError(["tenant-id: got 'x'", 'dry-run: got 1'], 'fleet.yml').message).toMatch(/^2 invalid inputs:/);
  });
});
