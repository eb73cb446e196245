export const id = 439;
export const ids = [439];
export const modules = {

/***/ 81439:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   actionDefaults: () => (/* binding */ actionDefaults)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(73024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_url__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(73136);
/* harmony import */ var node_url__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_url__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(38815);
/**
 * action.yml's input defaults, read at run time from the action's own directory (action.yml sits next to dist/,
 * which holds the bundle). Fleet mode needs them to tell an input the step gives from one the runner filled in.
 */




/**
 * `<action>/action.yml`: the bundle is `<action>/dist/index.js`. Built from the module's own path at run time;
 * a literal `new URL('../action.yml', import.meta.url)` would make the bundler copy the file as an asset instead.
 */
function actionFile() {
    const bundleDir = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.dirname)((0,node_url__WEBPACK_IMPORTED_MODULE_2__.fileURLToPath)(import.meta.url));
    return (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.dirname)(bundleDir), 'action.yml');
}
function actionDefaults() {
    const parsed = (0,yaml__WEBPACK_IMPORTED_MODULE_3__/* .parse */ .qg)((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(actionFile(), 'utf8'));
    const defaults = {};
    for (const [name, input] of Object.entries(parsed?.inputs ?? {})) {
        const value = input.default;
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
            defaults[name] = String(value);
    }
    return defaults;
}


/***/ })

};
