import { ftns } from "../format.js";
import { rentalAction, WITHDRAW_HINT } from "../rental-action.js";
import { eventOf } from "../tx.js";

export default rentalAction({
  name: "terminate",
  summary: "As the consumer, end a running rental early: the unused part comes back to you.",
  functionName: "terminate",
  report: (sent, id) => {
    const { gross, fee, refund } = eventOf(sent, "RentalTerminated").args;
    return [
      `rental ${id} terminated: ${ftns(refund!)} refunded to you; the provider is credited ${ftns(gross! - fee!)} (${ftns(fee!)} fee)`,
      `  ${WITHDRAW_HINT}`,
    ];
  },
});
