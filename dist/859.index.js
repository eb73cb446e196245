export const id = 859;
export const ids = [859];
export const modules = {

/***/ 27859:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ready: () => (/* binding */ ready),
/* harmony export */   seal: () => (/* binding */ seal)
/* harmony export */ });
/* harmony import */ var libsodium_wrappers__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(54768);
/** Sealing for GitHub secrets: libsodium crypto_box_seal with the scope's public key, base64 ORIGINAL both ways. */

async function ready() {
    await libsodium_wrappers__WEBPACK_IMPORTED_MODULE_0__/* ["default"].ready */ .Ay.ready;
}
async function seal(value, publicKeyBase64) {
    await libsodium_wrappers__WEBPACK_IMPORTED_MODULE_0__/* ["default"].ready */ .Ay.ready;
    const key = libsodium_wrappers__WEBPACK_IMPORTED_MODULE_0__/* ["default"].from_base64 */ .Ay.from_base64(publicKeyBase64, libsodium_wrappers__WEBPACK_IMPORTED_MODULE_0__/* ["default"].base64_variants */ .Ay.base64_variants.ORIGINAL);
    const box = libsodium_wrappers__WEBPACK_IMPORTED_MODULE_0__/* ["default"] */ .Ay.crypto_box_seal(libsodium_wrappers__WEBPACK_IMPORTED_MODULE_0__/* ["default"].from_string */ .Ay.from_string(value.reveal()), key);
    return libsodium_wrappers__WEBPACK_IMPORTED_MODULE_0__/* ["default"].to_base64 */ .Ay.to_base64(box, libsodium_wrappers__WEBPACK_IMPORTED_MODULE_0__/* ["default"].base64_variants */ .Ay.base64_variants.ORIGINAL);
}


/***/ })

};
