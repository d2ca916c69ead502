import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * FTNS token and marketplace. Every setting is a module parameter (see ignition/parameters/), so the
 * same module deploys the local demo and a production chain.
 */
export default buildModule("Marketplace", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const treasury = m.getParameter("treasury", m.getAccount(0));
  const tokenCap = m.getParameter("tokenCap", 1_000_000_000n * 10n ** 18n);
  const feeBps = m.getParameter("feeBps", 250);
  const acceptanceTimeout = m.getParameter("acceptanceTimeout", 30 * 60);
  const disputeTimeout = m.getParameter("disputeTimeout", 7 * 24 * 60 * 60);

  const token = m.contract("FTNSToken", [admin, tokenCap]);
  const marketplace = m.contract("Marketplace", [admin, treasury, token, feeBps, acceptanceTimeout, disputeTimeout]);
  return { token, marketplace };
});
