import { pbkdf2Sync } from "node:crypto";
import { toHex, type Hex } from "viem";
import { HDKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

/**
 * Hardhat's development mnemonic. Its keys are public knowledge: they exist for local chains only and
 * anything sent to them on a real network is lost.
 */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * The BIP-39 seed is 2048 rounds of PBKDF2 and the path has five levels: derive the account level
 * (m/44'/60'/0'/0) once and each account from it, since the seed uses over a hundred accounts.
 */
let accountLevel: HDKey | undefined;
const derived = new Map<number, { account: PrivateKeyAccount; privateKey: Hex }>();

function derive(index: number) {
  let entry = derived.get(index);
  if (!entry) {
    accountLevel ??= HDKey.fromMasterSeed(pbkdf2Sync(DEV_MNEMONIC.normalize("NFKD"), "mnemonic", 2048, 64, "sha512")).derive("m/44'/60'/0'/0");
    const key = accountLevel.deriveChild(index).privateKey;
    if (!key) throw new Error(`no private key for development account ${index}`);
    const privateKey = toHex(key);
    entry = { account: privateKeyToAccount(privateKey), privateKey };
    derived.set(index, entry);
  }
  return entry;
}

/** Account `index` of the development mnemonic (m/44'/60'/0'/0/index), as `npx hardhat node` lists them. */
export function devAccount(index: number): PrivateKeyAccount {
  return derive(index).account;
}

/** The private key of development account `index`, for printing where a wallet can import it. */
export function devPrivateKey(index: number): Hex {
  return derive(index).privateKey;
}
