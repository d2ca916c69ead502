import { ftns } from "../format.js";
import { rentalAction } from "../rental-action.js";
import { eventOf } from "../tx.js";

export default rentalAction({
  name: "settle",
  summary: "Settle a rental that has reached its end: the provider is paid the rest (anyone may call it).",
  functionName: "settle",
  report: (sent, id) => {
    const { gross, fee } = eventOf(sent, "RentalSettled").args;
    return [`rental ${id} settled: the provider is credited ${ftns(gross! - fee!)} (${ftns(fee!)} fee)`];
  },
});
