import { Link, useRouteError } from "react-router";

export function RouteError({ notFound = false }: { notFound?: boolean }) {
  const error = useRouteError();
  return (
    <div className="page page--narrow">
      <h1>{notFound ? "Page not found" : "Something went wrong"}</h1>
      <p className="muted">{notFound ? "This address leads nowhere in the marketplace." : error instanceof Error ? error.message : "The page failed to load."}</p>
      <p>
        <Link to="/" className="btn">
          Back to the market
        </Link>
      </p>
    </div>
  );
}
