/** Routes, each page loaded on demand so the first visit downloads only what it shows. */
import { createBrowserRouter } from "react-router";
import { Layout } from "./Layout";
import { RouteError } from "./RouteError";

export function createRouter() {
  return createBrowserRouter([
    {
      path: "/",
      element: <Layout />,
      errorElement: <RouteError />,
      // The first page's code is still loading: keep the space quiet rather than flash an error.
      HydrateFallback: () => <div className="main" aria-busy="true" />,
      children: [
        { index: true, lazy: async () => ({ Component: (await import("../routes/browse/BrowsePage")).BrowsePage }) },
        { path: "resources/:id", lazy: async () => ({ Component: (await import("../routes/resource/ResourcePage")).ResourcePage }) },
        { path: "rentals", lazy: async () => ({ Component: (await import("../routes/rentals/RentalsPage")).RentalsPage }) },
        { path: "rentals/:id", lazy: async () => ({ Component: (await import("../routes/rentals/ReceiptPage")).ReceiptPage }) },
        { path: "provider", lazy: async () => ({ Component: (await import("../routes/provider/ProviderPage")).ProviderPage }) },
        { path: "analytics", lazy: async () => ({ Component: (await import("../routes/analytics/AnalyticsPage")).AnalyticsPage }) },
        { path: "*", element: <RouteError notFound /> },
      ],
    },
  ]);
}
