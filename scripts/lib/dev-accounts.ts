import { toHex, type Hex } from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";

/**
 * Hardhat's development mnemonic. Its keys are public knowledge: they exist for local chains only and
 * anything sent to them on a real network is lost.
 */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Key derivation costs ~15 ms per account; the seed asks for the same accounts many times. */
const derived = new Map<number, HDAccount>();

/** Account `index` of the development mnemonic (m/44'/60'/0'/0/index), as `npx hardhat node` lists them. */
export function devAccount(index: number): HDAccount {
  let account = derived.get(index);
  if (!account) {
    account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
    derived.set(index, account);
  }
  return account;
}

/** The private key of development account `index`, for printing where a wallet can import it. */
export function devPrivateKey(index: number): Hex {
  const key = devAccount(index).getHdKey().privateKey;
  if (!key) throw new Error(`no private key for development account ${index}`);
  return toHex(key);
}
