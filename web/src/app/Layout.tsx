/** The frame of every page: header with navigation, sync state and wallet; network banner; activity. */
import { Suspense } from "react";
import { NavLink, Outlet, useNavigation } from "react-router";
import { ActivityPanel } from "../components/ActivityPanel";
import { ChainBanner } from "../components/ChainBanner";
import { IndexStatus } from "../components/IndexStatus";
import { ThemeToggle } from "../components/ThemeToggle";
import { WalletButton } from "../components/WalletButton";
import { Skeleton } from "../components/bits";
import { useWallet } from "../hooks/useWallet";
import { useLiveChannels } from "../hooks/useLive";

const NAV = [
  { to: "/", label: "Browse", end: true },
  { to: "/rentals", label: "My rentals" },
  { to: "/provider", label: "Provide" },
  { to: "/analytics", label: "Analytics" },
];

export function Layout() {
  const wallet = useWallet();
  const navigation = useNavigation();
  // Anything that happens to the connected address refreshes what the page shows.
  useLiveChannels([wallet.address ? `address:${wallet.address}` : null]);
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header">
        <div className="header__inner">
          <NavLink to="/" className="brand" aria-label="PRSM Marketplace home">
            <span className="brand__mark" aria-hidden="true">P</span>
            <span className="brand__name">PRSM<span className="brand__sub"> Marketplace</span></span>
          </NavLink>
          <nav className="nav" aria-label="Main">
            {NAV.map((item) => (
              <NavLink key={item.to} to={item.to} end={item.end} className={({ isActive }) => `nav__link${isActive ? " nav__link--active" : ""}`}>
                {item.label}
              </NavLink>
            ))}
          </nav>
          <div className="header__status">
            <IndexStatus />
          </div>
          <div className="header__tools">
            <ThemeToggle />
            <WalletButton />
          </div>
        </div>
      </header>
      <ChainBanner />
      {navigation.state === "loading" ? <div className="progress" role="progressbar" aria-label="Loading page" /> : null}
      <main id="main" className="main" tabIndex={-1}>
        <Suspense fallback={<Skeleton lines={6} />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="footer">
        <p>
          Payments are escrowed by the marketplace contract and released as rentals run. Every amount here is read from the chain or its
          index; every action is a transaction you sign.
        </p>
      </footer>
      <ActivityPanel />
    </div>
  );
}
