/** Market analytics answers as chart series: one function per metric, plain numbers for plotting. */
import type { MarketSeries } from "../api/types";
import { bucketLabel, unitsToNumber } from "./chart";
import { categoryLabel } from "./format";

export type ChartSpec = { title: string; kind: "line" | "bar"; labels: string[]; series: { name: string; values: number[]; color: string }[] };

const COLORS = ["var(--chart-1)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)", "var(--chart-5)", "var(--chart-6)"];

export function chartsFor(data: MarketSeries): ChartSpec[] {
  const labels = data.series.map((p) => bucketLabel(p.bucket, data.aggregation));
  if (data.metric === "usage") {
    const s = data.series;
    return [
      {
        title: "Rentals",
        kind: "line",
        labels,
        series: [
          { name: "Requested", values: s.map((p) => p.rentalsRequested), color: COLORS[0]! },
          { name: "Started", values: s.map((p) => p.rentalsStarted), color: COLORS[1]! },
          { name: "Completed", values: s.map((p) => p.rentalsCompleted), color: COLORS[2]! },
        ],
      },
      { title: "Hours rented", kind: "bar", labels, series: [{ name: "Hours", values: s.map((p) => p.hoursRented), color: COLORS[3]! }] },
    ];
  }
  if (data.metric === "revenue") {
    const s = data.series;
    return [
      {
        title: "Volume escrowed (FTNS)",
        kind: "bar",
        labels,
        series: [{ name: "Volume", values: s.map((p) => unitsToNumber(p.volume.amount)), color: COLORS[0]! }],
      },
      {
        title: "Paid out (FTNS)",
        kind: "line",
        labels,
        series: [
          { name: "Provider earnings", values: s.map((p) => unitsToNumber(p.providerEarnings.amount)), color: COLORS[1]! },
          { name: "Refunds", values: s.map((p) => unitsToNumber(p.refunded.amount)), color: COLORS[4]! },
          { name: "Protocol fees", values: s.map((p) => unitsToNumber(p.fees.amount)), color: COLORS[2]! },
        ],
      },
    ];
  }
  const s = data.series;
  const categories = [...new Set(s.flatMap((p) => Object.keys(p.averagePricePerCategory)))].sort();
  return [
    {
      title: "Average price per hour by category (FTNS, of rentals made)",
      kind: "line",
      labels,
      series: categories.map((c, i) => ({
        name: categoryLabel(c),
        values: s.map((p) => {
          const entry = p.averagePricePerCategory[c];
          return entry ? unitsToNumber(entry.average.amount) : 0;
        }),
        color: COLORS[i % COLORS.length]!,
      })),
    },
    {
      title: "New listings and providers",
      kind: "bar",
      labels,
      series: [
        { name: "Listings created", values: s.map((p) => p.listingsCreated), color: COLORS[0]! },
        { name: "New providers", values: s.map((p) => p.newProviders), color: COLORS[3]! },
      ],
    },
  ];
}
