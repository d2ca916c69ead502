/** "Indexed to block N of M": how far the search mirror is behind the chain, so nobody mistakes lag for loss. */
import { useQuery } from "@tanstack/react-query";
import { useBlockNumber } from "wagmi";
import { useServices } from "../app/services";
import { useLiveState } from "../hooks/useLive";

export function IndexStatus() {
  const { api, config } = useServices();
  const live = useLiveState();
  const status = useQuery({ queryKey: ["api", "status"], queryFn: ({ signal }) => api.status(signal), refetchInterval: 2_000 });
  const head = useBlockNumber({ chainId: config.chainId, watch: true });
  const chain = status.data?.chains.find((c) => c.chainId === config.chainId);
  if (status.isError) {
    return (
      <span className="index-status index-status--down" role="status">
        API unreachable
      </span>
    );
  }
  if (!chain) return <span className="index-status">Indexer starting…</span>;
  const headBlock = head.data !== undefined ? Number(head.data) : (chain.headBlock ?? chain.indexedBlock);
  const lag = Math.max(0, headBlock - chain.indexedBlock);
  const tone = lag === 0 ? "ok" : lag < 5 ? "lag" : "behind";
  return (
    <span className={`index-status index-status--${tone}`} role="status" data-indexed={chain.indexedBlock} data-head={headBlock} title={`Live updates: ${live}`}>
      <span className="index-status__dot" aria-hidden="true" />
      Indexed to block {chain.indexedBlock.toLocaleString()} of {headBlock.toLocaleString()}
    </span>
  );
}
