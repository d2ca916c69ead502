/**
 * The web app in a real browser against the real stack: a fresh Hardhat node with the contracts
 * deployed by Ignition and a small demo market seeded, the indexer and the API on PGlite, the built
 * app served. Wallets are injected into the pages (EIP-1193 + EIP-6963) and sign with the node's
 * unlocked accounts, so every click goes through wagmi's injected connector as with an extension.
 * Each scenario checks what the page shows and what the chain then holds.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Address, getAddress, parseUnits } from "viem";
import { marketplaceAbi } from "../../generated/abis.js";
import type { Stack } from "../../scripts/stack/stack.js";
import { formatAmount } from "../../web/src/lib/format.js";
import { chromiumSkipReason, launchChromium, newPage, screenshot } from "./support/browser.js";
import { type ChainClient, chainClient } from "./support/chain.js";
import { startTestStack } from "./support/stack.js";
import { installWallet, type TestWallet } from "./support/wallet.js";

const skip = chromiumSkipReason();
if (skip) console.log(`# browser tests skipped: ${skip}`);

const FTNS = (text: string) => parseUnits(text, 18);
/** What the page prints for an amount (Ftns with 6 decimals, as the credit and receipt views show it). */
const shown = (units: bigint) => `${formatAmount(units, { maxDecimals: 6 })} FTNS`;
const RENTAL_STATUS = { Requested: 1, Active: 2, Completed: 4 } as const;

/** A word nobody else lists, so a search for it finds exactly our listing. */
const uniqueWord = () => Array.from({ length: 9 }, () => "bcdfghjklmnpqrstvwxz"[Math.floor(Math.random() * 20)]).join("") + "ium";

type Actor = { context: BrowserContext; page: Page; wallet: TestWallet; errors: string[]; account: Address };

describe("web app in a real browser", { skip, timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let chain: ChainClient;
  let provider: Actor;
  let consumer: Actor;
  const word = uniqueWord();
  const title = `A100 80GB ${word} workstation`;
  let listingId: bigint;
  let rentalId: bigint;

  async function actor(account: Address, path: string): Promise<Actor> {
    const { context, page, errors } = await newPage(browser);
    const wallet = await installWallet(page, { rpcUrl: stack.rpcUrl, account, chainId: stack.chainId });
    await page.goto(stack.webUrl + path);
    return { context, page, wallet, errors, account };
  }

  async function connect(who: Actor): Promise<void> {
    await who.page.getByRole("button", { name: "Connect wallet" }).click();
    await who.page.getByRole("menuitem", { name: "Test Wallet" }).click();
    const chip = who.page.locator("[data-address]");
    await chip.waitFor();
    assert.equal((await chip.getAttribute("data-address"))?.toLowerCase(), who.account.toLowerCase());
  }

  /** Waits for the latest transaction notice in `scope` to settle; returns its status and text. */
  async function settled(scope: ReturnType<Page["locator"]>): Promise<{ status: string; text: string }> {
    const notice = scope.locator("[data-tx-status]").last();
    await notice.locator("xpath=self::*[@data-tx-status='confirmed' or @data-tx-status='failed' or @data-tx-status='signed']").waitFor({ timeout: 20_000 });
    return { status: (await notice.getAttribute("data-tx-status"))!, text: await notice.innerText() };
  }

  /** The same, from the page's activity panel: for actions whose card moves away once indexed. */
  async function settledInActivity(page: Page, label: string): Promise<{ status: string; text: string }> {
    return settled(page.locator("section.activity .activity__item").filter({ hasText: label }));
  }

  async function pageMarker(page: Page): Promise<void> {
    await page.evaluate("window.__notReloaded = true");
  }
  async function notReloaded(page: Page): Promise<boolean> {
    return (await page.evaluate("window.__notReloaded === true")) as boolean;
  }

  /** A scenario whose failure leaves screenshots of both pages and their console errors behind. */
  const scenario = (name: string, body: () => Promise<void>) =>
    test(name, async () => {
      try {
        await body();
      } catch (error) {
        const tag = name.split(".")[0];
        for (const [who, actor] of [["provider", provider], ["consumer", consumer]] as const) {
          if (!actor) continue;
          const file = await screenshot(actor.page, `failure-${tag}-${who}`).catch(() => "(no screenshot)");
          console.log(`# scenario ${tag} failed; ${who} page at ${actor.page.url()}: ${file}${actor.errors.length ? `\n#   ${actor.errors.join("\n#   ")}` : ""}`);
        }
        throw error;
      }
    });

  before(async () => {
    const started = Date.now();
    stack = await startTestStack();
    chain = chainClient(stack.rpcUrl, stack.chainId, stack.marketplace, stack.token);
    const accounts = await chain.accounts();
    const [admin, providerAccount, consumerAccount] = [accounts[0]!, getAddress(accounts[18]!), getAddress(accounts[19]!)];
    await chain.mintFtns(admin, consumerAccount, "1000");
    browser = await launchChromium();
    provider = await actor(providerAccount, "/provider?tab=new");
    consumer = await actor(consumerAccount, "/");
    console.log(`# stack and browser ready in ${((Date.now() - started) / 1000).toFixed(1)} s: web ${stack.webUrl}, api ${stack.apiUrl}, rpc ${stack.rpcUrl}`);
  });

  after(async () => {
    for (const who of [provider, consumer]) if (who?.errors.length) console.log(`# page errors (${who.account}):\n${who.errors.join("\n")}`);
    await browser?.close();
    await stack?.close();
  });

  scenario("1. a provider connects, creates a listing, and it appears in search within seconds", async () => {
    const { page } = provider;
    await connect(provider);
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Description").fill("One NVIDIA A100 80GB with 16 vCPUs and NVMe scratch, for fine-tuning and inference.");
    await page.getByLabel("Category").selectOption("gpu");
    await page.getByLabel("Resource type").fill("a100");
    await page.getByLabel("Location").fill("eu-west (Amsterdam, NL)");
    await page.locator("#spec-key-0").fill("gpu");
    await page.locator("#spec-value-0").fill("A100");
    await page.getByRole("button", { name: "+ Add specification" }).click();
    await page.locator("#spec-key-1").fill("gpu_memory_gb");
    await page.locator("#spec-value-1").fill("80");
    await page.getByLabel("Price per hour (FTNS)").fill("2.5");
    await page.getByLabel("Concurrent rentals").fill("1");

    // The form refuses what the contract would refuse, before the wallet is asked.
    await page.getByLabel("Price per hour (FTNS)").fill("0");
    await page.getByRole("button", { name: "Create listing" }).click();
    await page.getByText("The price must be more than zero").waitFor();
    assert.equal(provider.wallet.requests.filter((m) => m === "eth_sendTransaction").length, 0);
    await page.getByLabel("Price per hour (FTNS)").fill("2.5");

    await page.getByRole("button", { name: "Create listing" }).click();
    const form = page.locator("form[aria-labelledby='new-listing-heading']");
    const result = await settled(form);
    assert.equal(result.status, "confirmed", result.text);
    assert.match(result.text, /Tx 0x[0-9a-f]{8}…/);
    const created = await page.getByTestId("listing-created").innerText();
    listingId = BigInt(/Listing #(\d+)/.exec(created)![1]!);
    const confirmedAt = Date.now();

    const onChain = await chain.listing(listingId);
    assert.equal(onChain.provider, provider.account);
    assert.equal(onChain.pricePerHour, FTNS("2.5"));
    assert.equal(onChain.capacity, 1);
    assert.equal(onChain.active, true);

    // Another person searches for it.
    const search = consumer.page;
    await search.getByLabel("Search the market").fill(word);
    await search.getByRole("button", { name: "Search" }).click();
    // The previous results stay on screen while the search loads (the new listing may be among them):
    // wait for this search's own answer.
    await search.locator("#results-heading", { hasText: new RegExp(`resources? for “${word}”`) }).waitFor({ timeout: 10_000 });
    const card = search.locator(`[data-listing-id="${listingId}"]`);
    await card.waitFor({ timeout: 10_000 });
    const seconds = (Date.now() - confirmedAt) / 1000;
    console.log(`# listing #${listingId} found by search ${seconds.toFixed(1)} s after its transaction confirmed`);
    assert.ok(seconds < 10, `found after ${seconds} s`);
    assert.match(await card.innerText(), new RegExp(word));
    assert.match(await card.innerText(), /2\.5 FTNS/);
    assert.match(await search.locator("#results-heading").innerText(), /^1 resource/);
    assert.match(search.url(), new RegExp(`q=${word}`), "the search lives in the URL");

    // Bulk listing from a CSV file: the bad row is shown and skipped, the good ones go in one transaction.
    const before = await chain.listingCount();
    const csv = [
      "title,category,resource_type,location,price_per_hour,capacity,gpu,gpu_memory_gb",
      `"H100 80GB ${word}x, 8 GPUs",gpu,h100,"us-east (Ashburn, US)",12.5,1,H100,80`,
      `"L4 24GB ${word}x",gpu,l4,"eu-west (Paris, FR)",0.4,4,L4,24`,
      `"Broken ${word}x",gpu,l4,"eu-west (Paris, FR)",0,1,L4,24`,
    ].join("\n");
    await page.locator("#bulk-file").setInputFiles({ name: "listings.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    const bulk = page.locator("section[aria-labelledby='bulk-heading']");
    await bulk.getByText("2 ready, 1 with problems (skipped).").waitFor();
    assert.match(await bulk.locator("tbody tr").nth(2).innerText(), /The price must be more than zero/);
    await bulk.getByRole("button", { name: "Create 2 listings" }).click();
    const bulkResult = await settled(bulk);
    assert.equal(bulkResult.status, "confirmed", bulkResult.text);
    assert.equal(await chain.listingCount(), before + 2n);
    const [h100, l4] = await Promise.all([chain.listing(before + 1n), chain.listing(before + 2n)]);
    assert.deepEqual([h100.provider, h100.pricePerHour, h100.capacity], [provider.account, FTNS("12.5"), 1]);
    assert.deepEqual([l4.provider, l4.pricePerHour, l4.capacity], [provider.account, FTNS("0.4"), 4]);
  });

  scenario("2. a consumer rents for 3 hours with a permit; the provider accepts live; the consumer sees it running", async () => {
    // The provider watches the dashboard while the consumer rents.
    await provider.page.getByRole("tab", { name: "Overview" }).click();
    await provider.page.getByText("No requests waiting").waitFor();
    await pageMarker(provider.page);

    const { page, wallet } = consumer;
    await connect(consumer);
    const balanceBefore = await chain.balanceOf(consumer.account);
    await page.locator(`[data-listing-id="${listingId}"] a`).click();
    await page.getByTestId("resource-title").filter({ hasText: title }).waitFor();
    assert.match(await page.getByRole("table").first().innerText(), /GPU memory \(GB\)\s+80/);
    await page.getByRole("textbox", { name: "Hours", exact: true }).fill("3");
    assert.equal(await page.getByTestId("rent-cost").innerText(), "7.5 FTNS", "the cost is shown before signing");

    const before = wallet.requests.length;
    await page.getByRole("button", { name: /^Rent for 3 h/ }).click();
    const success = page.getByTestId("rent-success");
    await success.waitFor({ timeout: 20_000 });
    const asked = wallet.requests.slice(before);
    assert.equal(asked.filter((m) => m === "eth_signTypedData_v4").length, 1, "one signature");
    assert.equal(asked.filter((m) => m === "eth_sendTransaction").length, 1, "one transaction");
    rentalId = BigInt(/Rental #(\d+)/.exec(await success.innerText())![1]!);

    const rental = await chain.rental(rentalId);
    assert.equal(rental.status, RENTAL_STATUS.Requested);
    assert.equal(rental.consumer, consumer.account);
    assert.equal(rental.listingId, listingId);
    assert.equal(rental.amount, FTNS("7.5"));
    assert.equal(await chain.balanceOf(consumer.account), balanceBefore - FTNS("7.5"));
    const [requested] = await chain.client.getContractEvents({ address: stack.marketplace, abi: marketplaceAbi, eventName: "RentalRequested", args: { rentalId }, fromBlock: 0n });
    const rentTx = requested!.transactionHash;
    assert.match(await page.locator("[data-tx-status='confirmed']").last().innerText(), new RegExp(rentTx.slice(0, 10)));

    // The consumer's rentals: escrowed, with the transaction's hash.
    await page.getByRole("link", { name: "My rentals" }).first().click();
    const card = page.locator(`article[data-rental-id="${rentalId}"]`);
    await card.waitFor();
    assert.match(await card.innerText(), /Escrowed · awaiting provider/);
    assert.equal(await card.locator("[data-event='RentalRequested'] [data-hash]").getAttribute("data-hash"), rentTx);
    await pageMarker(page);

    // The request reaches the provider's dashboard without a reload; the provider accepts.
    const request = provider.page.locator(`[data-testid="provider-requests"] [data-rental-id="${rentalId}"]`);
    await request.waitFor({ timeout: 20_000 });
    assert.ok(await notReloaded(provider.page));
    await request.getByRole("button", { name: "Accept" }).click();
    // Once indexed the request leaves "waiting" for "running", possibly before the receipt is seen.
    const accepted = await settledInActivity(provider.page, `Accept · rental #${rentalId}`);
    assert.equal(accepted.status, "confirmed", accepted.text);
    assert.equal((await chain.rental(rentalId)).status, RENTAL_STATUS.Active);

    await screenshot(provider.page, "desktop-provider-accepted", { fullPage: false });

    // The consumer sees it running, still without a reload.
    await page.locator(`article[data-rental-id="${rentalId}"][data-status="active"]`).waitFor({ timeout: 20_000 });
    assert.match(await card.innerText(), /Running/);
    // Its steps are a query of their own, refetched once the rental changed: the acceptance follows.
    await card.locator("[data-event='RentalAccepted'] [data-hash]").waitFor({ timeout: 10_000 });
    assert.ok(await notReloaded(page));
  });

  scenario("3. time passes; the provider releases, the consumer ends early; both sides match the contract; the rating shows", async () => {
    await chain.advance(3600);
    const fee = BigInt(await chain.feeBps());

    // The provider releases what accrued in the hour.
    const running = provider.page.locator(`[data-testid="provider-running"] [data-rental-id="${rentalId}"]`);
    await running.waitFor({ timeout: 20_000 });
    await running.getByRole("button", { name: "Release earnings" }).click();
    const released = await settled(running);
    assert.equal(released.status, "confirmed", released.text);
    const afterRelease = await chain.rental(rentalId);
    assert.ok(afterRelease.released > 0n && afterRelease.released < FTNS("7.5"));

    // The consumer ends the rental early.
    const card = consumer.page.locator(`article[data-rental-id="${rentalId}"]`);
    await card.getByRole("button", { name: "Terminate early" }).click();
    await card.getByRole("button", { name: "Yes, terminate early" }).click();
    const ended = await settled(card);
    assert.equal(ended.status, "confirmed", ended.text);
    const final = await chain.rental(rentalId);
    assert.equal(final.status, RENTAL_STATUS.Completed);

    // Money: what the provider and consumer can withdraw, as the contract says, is what the pages say.
    const providerCredit = await chain.creditOf(provider.account);
    const consumerCredit = await chain.creditOf(consumer.account);
    const fees = final.released - (final.released * (10_000n - fee)) / 10_000n;
    assert.ok(providerCredit > 0n && consumerCredit > 0n);
    assert.equal(final.released + consumerCredit, FTNS("7.5"), "released + refund = escrow");
    assert.ok(providerCredit <= final.released && providerCredit >= final.released - fees - 1n, "provider got the released amount less the fee");
    await consumer.page.getByTestId("credit").filter({ hasText: shown(consumerCredit) }).waitFor({ timeout: 10_000 });
    await provider.page.getByTestId("credit").filter({ hasText: shown(providerCredit) }).waitFor({ timeout: 10_000 });
    // The card may show the termination a moment after the credits do: wait for it, then it must say so.
    await card.filter({ hasText: "Completed" }).waitFor({ timeout: 10_000 });

    // The billing export has the rental as the chain settled it.
    const csvHref = await consumer.page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    const csv = await (await fetch(csvHref!)).text();
    const row = csv.split("\r\n").find((line) => line.startsWith(`${rentalId},${listingId},`));
    assert.ok(row, `rental ${rentalId} in the CSV export:\n${csv.slice(0, 500)}`);
    assert.match(row!, /,completed,/);
    assert.ok(row!.includes(`,${consumerCredit},`), "the refund column equals the chain's refund");

    // The consumer withdraws the refund; the wallet balance in the header follows the chain.
    await consumer.page.getByRole("button", { name: "Withdraw" }).click();
    const withdrawn = await settled(consumer.page.locator(".withdraw"));
    assert.equal(withdrawn.status, "confirmed", withdrawn.text);
    assert.equal(await chain.creditOf(consumer.account), 0n);
    const balance = await chain.balanceOf(consumer.account);
    await consumer.page.getByTestId("ftns-balance").filter({ hasText: `${formatAmount(balance, { maxDecimals: 2 })} FTNS` }).waitFor({ timeout: 10_000 });

    // The consumer rates it; the listing shows the rating.
    await card.getByLabel("Your rating").selectOption("4");
    await card.getByRole("button", { name: "Rate" }).click();
    const rated = await settled(card);
    assert.equal(rated.status, "confirmed", rated.text);
    assert.equal((await chain.rental(rentalId)).rated, true);
    const listing = await chain.listing(listingId);
    assert.equal(listing.ratingCount, 1);
    assert.equal(listing.ratingSum, 4n);
    await consumer.page.goto(`${stack.webUrl}/resources/${listingId}`);
    await consumer.page.getByLabel("Rated 4.0 out of 5 from 1 rating").first().waitFor({ timeout: 10_000 });
    await screenshot(provider.page, "desktop-provider-after-release");
  });

  scenario("4. a wrong chain, a declined signature and a reverted transaction each say what happened", async () => {
    const { page, wallet } = consumer;
    await page.getByTestId("resource-title").waitFor();
    const rentals = await chain.rentalCount();

    // Wrong chain: a banner says so, renting is disabled, one click switches back.
    await wallet.setChain(page, 1);
    const banner = page.getByTestId("wrong-chain");
    await banner.waitFor();
    assert.match(await banner.innerText(), /Wrong network.*chain 1.*PRSM local \(chain 31337\)/s);
    assert.ok(await page.getByRole("button", { name: /^Rent for/ }).isDisabled());
    await banner.getByRole("button", { name: "Switch to PRSM local" }).click();
    await banner.waitFor({ state: "detached" });
    assert.equal(wallet.chainId, stack.chainId);

    // Declined signature: nothing is sent, and the page says so.
    wallet.declineNext("eth_signTypedData_v4");
    const panel = page.locator("section.rent");
    await page.getByRole("button", { name: /^Rent for/ }).click();
    const declined = await settled(panel);
    assert.equal(declined.status, "failed");
    assert.match(declined.text, /Declined/);
    assert.match(declined.text, /You declined the request in your wallet\. Nothing was sent\./);
    assert.equal(await chain.rentalCount(), rentals);

    // Reverted transaction: the provider raises the price while our rent waits in the mempool.
    await chain.setAutomine(false);
    try {
      await page.getByRole("button", { name: /^Rent for/ }).click();
      await panel.locator("[data-tx-status='pending']").waitFor({ timeout: 20_000 });
      assert.equal(await chain.pendingCount(), 1);
      await chain.send(provider.account, "updatePrice", [listingId, FTNS("3")], { maxPriorityFeePerGas: parseUnits("50", 9), maxFeePerGas: parseUnits("100", 9) });
      await chain.mine();
    } finally {
      await chain.setAutomine(true);
    }
    const reverted = await settled(panel);
    assert.equal(reverted.status, "failed");
    assert.match(reverted.text, /Tx 0x[0-9a-f]{8}…/, "the reverted transaction's hash is shown");
    assert.match(reverted.text, new RegExp(`The price of listing #${listingId} is now 3 FTNS per hour, above your maximum of 2\\.5 FTNS`));
    await screenshot(page, "desktop-reverted-rent");
    assert.equal(await chain.rentalCount(), rentals, "no rental was made");
    assert.equal((await chain.listing(listingId)).pricePerHour, FTNS("3"));
  });

  scenario("5. search and resource pages at phone width", async () => {
    const { context, page } = await newPage(browser, { width: 390, height: 844, scale: 2 });
    try {
      await installWallet(page, { rpcUrl: stack.rpcUrl, account: consumer.account, chainId: stack.chainId });
      await page.goto(`${stack.webUrl}/`);
      await connect({ context, page, wallet: undefined as never, errors: [], account: consumer.account });
      await page.locator("[data-listing-id]").first().waitFor();
      const overflow = async () => (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
      assert.equal(await overflow(), 0, "no sideways scrolling on the search page");
      assert.ok(await page.getByRole("button", { name: /^Filters/ }).isVisible(), "filters fold behind a button");
      assert.ok(!(await page.getByRole("group", { name: "Category" }).isVisible()));
      console.log(`# screenshot ${await screenshot(page, "phone-search")}`);
      await screenshot(page, "phone-search-first-screen", { fullPage: false });

      await page.goto(`${stack.webUrl}/resources/${listingId}`);
      await page.getByTestId("resource-title").waitFor();
      await page.getByRole("button", { name: /^Rent for/ }).waitFor();
      assert.equal(await overflow(), 0, "no sideways scrolling on the resource page");
      console.log(`# screenshot ${await screenshot(page, "phone-resource")}`);
      await screenshot(page, "phone-resource-first-screen", { fullPage: false });
    } finally {
      await context.close();
    }
  });

  scenario("6. a wallet that cannot sign typed data rents with approve + rent instead", async () => {
    const { context, page } = await newPage(browser);
    try {
      const wallet = await installWallet(page, { rpcUrl: stack.rpcUrl, account: consumer.account, chainId: stack.chainId, unsupported: ["eth_signTypedData_v4"] });
      await page.goto(`${stack.webUrl}/resources/${listingId}`);
      await connect({ context, page, wallet, errors: [], account: consumer.account });
      await page.getByRole("textbox", { name: "Hours", exact: true }).fill("1");
      assert.equal(await page.getByTestId("rent-cost").innerText(), "3 FTNS");
      const before = wallet.requests.length;
      await page.getByRole("button", { name: /^Rent for 1 h/ }).click();
      const success = page.getByTestId("rent-success");
      await success.waitFor({ timeout: 20_000 });
      const asked = wallet.requests.slice(before);
      assert.equal(asked.filter((m) => m === "eth_sendTransaction").length, 2, "approve, then rent");
      assert.ok(await page.getByLabel("Approve, then rent (two transactions)").isChecked(), "the fallback is remembered");
      const id = BigInt(/Rental #(\d+)/.exec(await success.innerText())![1]!);
      const rental = await chain.rental(id);
      assert.deepEqual([rental.status, rental.consumer, rental.amount], [RENTAL_STATUS.Requested, consumer.account, FTNS("3")]);
    } finally {
      await context.close();
    }
  });
});
