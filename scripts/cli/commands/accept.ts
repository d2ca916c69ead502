import { formatTimestamp } from "../../lib/time.js";
import { rentalAction } from "../rental-action.js";
import { eventOf } from "../tx.js";

export default rentalAction({
  name: "accept",
  summary: "As the provider, accept a requested rental: it starts now.",
  functionName: "accept",
  report: (sent, id) => {
    const { endsAt } = eventOf(sent, "RentalAccepted").args;
    return [`rental ${id} accepted: runs until ${formatTimestamp(endsAt!)}`];
  },
});
