import { ftns } from "../format.js";
import { rentalAction } from "../rental-action.js";
import { eventOf } from "../tx.js";

export default rentalAction({
  name: "refund",
  summary: "Refund a request the provider did not accept in time (anyone may call it).",
  functionName: "refundExpired",
  report: (sent, id) => [`rental ${id} expired: ${ftns(eventOf(sent, "RentalExpired").args.refund!)} credited back to the consumer`],
});
