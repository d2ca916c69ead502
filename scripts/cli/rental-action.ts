/**
 * The rental calls that take only a rental id (accept, reject, cancel, release, terminate, settle,
 * dispute, refund): each command module states its call and how to report the event it emits.
 */
import { parseId } from "./args.js";
import { defineCommand, rentalIdPositional, type Command } from "./command.js";
import type { CliContext } from "./context.js";
import { marketplaceCall, sendCall, txLine, type SentCall } from "./tx.js";

export type RentalActionParameters = {
  name: string;
  summary: string;
  functionName: string;
  /** The lines that say what happened, from the transaction's events. */
  report(sent: SentCall, rentalId: bigint, ctx: CliContext): Promise<string[]> | string[];
};

export function rentalAction({ name, summary, functionName, report }: RentalActionParameters): Command {
  return defineCommand({
    name,
    summary,
    positionals: [rentalIdPositional],
    options: {},
    async run(input, ctx) {
      const rentalId = parseId(input.positionals.rentalId, "rentalId");
      const { deployment } = await ctx.connection();
      const sent = await sendCall(ctx, marketplaceCall(deployment.marketplace, functionName, [rentalId]));
      for (const line of await report(sent, rentalId, ctx)) ctx.out(line);
      ctx.out(txLine(sent));
    },
  });
}

export const WITHDRAW_HINT = "withdraw credits with `npm run cli -- withdraw`";
