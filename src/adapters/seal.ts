/** Sealing for GitHub secrets: libsodium crypto_box_seal with the scope's public key, base64 ORIGINAL both ways. */
import sodium from 'libsodium-wrappers';
import type { Secret } from '../core/secret';

export async function ready(): Promise<void> {
  await sodium.ready;
}

export async function seal(value: Secret, publicKeyBase64: string): Promise<string> {
  await sodium.ready;
  const key = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
  const box = sodium.crypto_box_seal(sodium.from_string(value.reveal()), key);
  return sodium.to_base64(box, sodium.base64_variants.ORIGINAL);
}
