/** Live updates: subscribe to feed channels while mounted; refetch the API's answers when they change. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useSyncExternalStore } from "react";
import type { LiveEvent, LiveState } from "../api/live";
import { useServices } from "../app/services";

export function useLiveChannels(channels: readonly (string | null | undefined)[], onEvent?: (event: LiveEvent) => void): void {
  const { live } = useServices();
  const queryClient = useQueryClient();
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = channels.filter(Boolean).join("|");

  useEffect(() => {
    if (!key) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A batch brings several events at once: refetch once for all of them.
    const refresh = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void queryClient.invalidateQueries({ queryKey: ["api"] });
        void queryClient.invalidateQueries({ queryKey: ["chain"] });
      }, 100);
    };
    const unsubscribes = key.split("|").map((channel) =>
      live.subscribe(
        channel,
        (message) => {
          if (message.type !== "event") return;
          handler.current?.(message);
          refresh();
        },
        // A commit between our first fetch and the subscription would otherwise go unnoticed.
        refresh,
      ),
    );
    return () => {
      if (timer) clearTimeout(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }, [key, live, queryClient]);
}

export function useLiveState(): LiveState {
  const { live } = useServices();
  return useSyncExternalStore(live.onState, live.state, live.state);
}
