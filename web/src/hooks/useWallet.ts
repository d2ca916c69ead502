/** The connected wallet as the app sees it: address, and whether it is on this marketplace's chain. */
import { useConnection } from "wagmi";
import { useServices } from "../app/services";

export function useWallet() {
  const { config } = useServices();
  const connection = useConnection();
  const address = connection.status === "connected" ? connection.address : undefined;
  const wrongChain = connection.status === "connected" && connection.chainId !== config.chainId;
  return {
    address,
    connected: connection.status === "connected",
    connecting: connection.status === "connecting" || connection.status === "reconnecting",
    walletChainId: connection.chainId,
    wrongChain,
    /** Connected and on the right chain: writes may go ahead. */
    ready: Boolean(address) && !wrongChain,
    connectorName: connection.connector?.name,
  };
}
