import { useLoaderData } from "react-router";

export function meta() {
  return [{ title: "React Router on paketo" }];
}

export async function loader() {
  return { renderedBy: `the server (Node.js ${process.versions.node})` };
}

export default function Home() {
  const { renderedBy } = useLoaderData<typeof loader>();
  return (
    <main>
      <h1>React Router on paketo</h1>
      <p>Rendered by {renderedBy}.</p>
    </main>
  );
}
