/** What a rental's state means for the person looking at it, and what they can do next. */
import type { Rental, RentalStatus } from "../api/types";

export const STATUS_LABELS: Record<RentalStatus, string> = {
  requested: "Escrowed · awaiting provider",
  active: "Running",
  disputed: "Disputed",
  completed: "Completed",
  rejected: "Rejected · refunded",
  cancelled: "Cancelled · refunded",
  expired: "Expired · refunded",
  resolved: "Resolved",
};

export const STATUS_TONE: Record<RentalStatus, "info" | "success" | "warning" | "danger" | "neutral"> = {
  requested: "info",
  active: "success",
  disputed: "warning",
  completed: "neutral",
  rejected: "danger",
  cancelled: "neutral",
  expired: "neutral",
  resolved: "neutral",
};

export const EVENT_LABELS: Record<string, string> = {
  RentalRequested: "Requested and escrowed",
  RentalAccepted: "Accepted · started",
  RentalRejected: "Rejected · refunded",
  RentalCancelled: "Cancelled · refunded",
  RentalExpired: "Expired · refunded",
  RentalExtended: "Extended",
  PaymentReleased: "Payment released",
  RentalTerminated: "Terminated early",
  RentalSettled: "Settled",
  DisputeOpened: "Dispute opened",
  DisputeResolved: "Dispute resolved",
  RentalRated: "Rated",
};

export type RentalAction = "cancel" | "terminate" | "dispute" | "rate" | "accept" | "reject" | "release" | "settle" | "refundExpired";

export type ActionContext = {
  /** Chain time in seconds (the chain clock can run ahead of the wall clock on test chains). */
  now: number;
  acceptanceTimeout: number;
  rated: boolean;
};

const seconds = (iso: string | null) => (iso ? Math.floor(new Date(iso).getTime() / 1000) : 0);

/** Actions open to `viewer` on `rental` now, in the order to offer them. */
export function availableActions(rental: Rental, viewer: string | undefined, ctx: ActionContext): RentalAction[] {
  if (!viewer) return [];
  const me = viewer.toLowerCase();
  const isConsumer = rental.consumer.toLowerCase() === me;
  const isProvider = rental.provider.toLowerCase() === me;
  const actions: RentalAction[] = [];
  const requestedAt = seconds(rental.requested.time);
  const ended = rental.endsAt !== null && seconds(rental.endsAt) <= ctx.now;
  switch (rental.status) {
    case "requested": {
      const lapsed = ctx.now > requestedAt + ctx.acceptanceTimeout;
      if (isProvider && !lapsed) actions.push("accept", "reject");
      if (isConsumer) actions.push("cancel");
      if (lapsed && (isConsumer || isProvider)) actions.push("refundExpired");
      break;
    }
    case "active":
      if (isProvider && !ended) actions.push("release");
      if (isConsumer && !ended) actions.push("terminate");
      if (ended && (isConsumer || isProvider)) actions.push("settle");
      if (!ended && (isConsumer || isProvider)) actions.push("dispute");
      break;
    case "completed":
    case "resolved":
      if (isConsumer && !ctx.rated) actions.push("rate");
      break;
    default:
      break;
  }
  return actions;
}

export const ACTION_LABELS: Record<RentalAction, string> = {
  cancel: "Cancel request",
  terminate: "Terminate early",
  dispute: "Open dispute",
  rate: "Rate",
  accept: "Accept",
  reject: "Reject",
  release: "Release earnings",
  settle: "Settle",
  refundExpired: "Refund (expired)",
};

/** Escrow for a booking: price × hours, exactly. */
export const rentalCost = (pricePerHour: bigint, hours: number) => pricePerHour * BigInt(hours);

/** The provider's share of `gross` after the protocol fee (the contract rounds the fee down). */
export const afterFee = (gross: bigint, feeBps: number) => gross - (gross * BigInt(feeBps)) / 10_000n;
