import { ftns } from "../format.js";
import { rentalAction, WITHDRAW_HINT } from "../rental-action.js";
import { eventOf } from "../tx.js";

export default rentalAction({
  name: "release",
  summary: "As the provider, take what a running rental has accrued so far.",
  functionName: "release",
  report: (sent, id) => {
    const { gross, fee } = eventOf(sent, "PaymentReleased").args;
    return [`released ${ftns(gross!)} of rental ${id}: ${ftns(gross! - fee!)} credited to you, ${ftns(fee!)} protocol fee; ${WITHDRAW_HINT}`];
  },
});
