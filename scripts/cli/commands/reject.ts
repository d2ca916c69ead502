import { ftns } from "../format.js";
import { rentalAction } from "../rental-action.js";
import { eventOf } from "../tx.js";

export default rentalAction({
  name: "reject",
  summary: "As the provider, decline a requested rental: the consumer gets everything back.",
  functionName: "reject",
  report: (sent, id) => [`rental ${id} rejected: ${ftns(eventOf(sent, "RentalRejected").args.refund!)} credited back to the consumer`],
});
