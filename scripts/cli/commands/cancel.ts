import { ftns } from "../format.js";
import { rentalAction, WITHDRAW_HINT } from "../rental-action.js";
import { eventOf } from "../tx.js";

export default rentalAction({
  name: "cancel",
  summary: "As the consumer, withdraw a request the provider has not accepted yet.",
  functionName: "cancel",
  report: (sent, id) => [`rental ${id} cancelled: ${ftns(eventOf(sent, "RentalCancelled").args.refund!)} credited back to you; ${WITHDRAW_HINT}`],
});
