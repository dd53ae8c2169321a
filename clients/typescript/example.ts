// A typed client of toasoan's public API made of fetch and the types openapi-typescript generates
// from docs/openapi.json into openapi.d.ts (not committed). From this directory:
//
//   npx --yes -p typescript@5.9.3 -p openapi-typescript@7.13.0 openapi-typescript ../../docs/openapi.json -o openapi.d.ts
//   npx --yes -p typescript@7.0.2 tsc -p . --strict
//
// CI runs both, so a change to the document that breaks these reads fails there.
import type { components, paths } from "./openapi";

type Schemas = components["schemas"];
type FrontPage = paths["/api/v1/articles"]["get"];
type ArticleBySlug = paths["/api/v1/articles/{slug}"]["get"];
type DocumentSearch = paths["/api/v1/documents"]["get"];

export type Article = Schemas["Article"];
// Errors come as application/problem+json; the document says which statuses carry one.
export type Problem = ArticleBySlug["responses"][404]["content"]["application/problem+json"];

/** An answer that was not 2xx, with its problem+json body when it had one. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem ? `${problem.status} ${problem.title} (${problem.code})` : `HTTP ${status}`);
  }

  /** Each bad field the server named (a 400 or 422 lists them all). */
  fieldErrors(): string[] {
    return (this.problem?.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  }
}

async function getJSON<T>(base: string, path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
  const url = new URL(path, base);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  if (res.ok) return (await res.json()) as T;
  const isProblem = res.headers.get("Content-Type")?.startsWith("application/problem+json") ?? false;
  throw new ProblemError(res.status, isProblem ? ((await res.json()) as Problem) : null);
}

/** GET /api/v1/articles: the front page, newest first. */
export function frontPage(base: string, query: NonNullable<FrontPage["parameters"]["query"]> = {}) {
  return getJSON<FrontPage["responses"][200]["content"]["application/json"]>(base, "/api/v1/articles", query);
}

/** GET /api/v1/articles/{slug}: one published article with its related ones. */
export async function articleBySlug(base: string, slug: ArticleBySlug["parameters"]["path"]["slug"]): Promise<Article> {
  const body = await getJSON<ArticleBySlug["responses"][200]["content"]["application/json"]>(base, `/api/v1/articles/${encodeURIComponent(slug)}`);
  return body.data;
}

/** GET /api/v1/documents: the documents registry's search, with facets for the filters. */
export function searchDocuments(base: string, query: NonNullable<DocumentSearch["parameters"]["query"]>) {
  return getJSON<DocumentSearch["responses"][200]["content"]["application/json"]>(base, "/api/v1/documents", query);
}

/** The cover's address, or null for an article without one. */
export function coverURL(article: Article): string | null {
  return article.cover === null ? null : article.cover.url;
}

// The null is in the type: tsc fails if this line compiles, so a document that lost
// `nullable: true` on cover would fail CI.
// @ts-expect-error TS18047: 'article.cover' is possibly 'null'.
export const uncheckedCoverURL = (article: Article): string => article.cover.url;

/** Reads what a news portal's home page and document search need and logs it. */
export async function demo(base = "http://localhost:8080"): Promise<void> {
  const page = await frontPage(base, { per_page: 5 });
  console.log(`front page: ${page.data.length} articles, next page ${page.meta.pagination.next ?? "none"}`);

  const first = page.data[0];
  if (first) {
    const article = await articleBySlug(base, first.slug);
    console.log(`${article.title}: cover ${coverURL(article) ?? "none"}, ${article.related.length} related`);
  }

  const found = await searchDocuments(base, { q: "quyết định", per_page: 5 });
  console.log(`documents: ${found.meta.pagination.total ?? 0} found`);
  for (const facet of found.meta.facets.type) console.log(`  type ${facet.value}: ${facet.count}`);
  for (const facet of found.meta.facets.year) console.log(`  year ${facet.value}: ${facet.count}`);

  try {
    await articleBySlug(base, "khong-co-bai-nay");
  } catch (err) {
    if (!(err instanceof ProblemError)) throw err;
    console.log(`missing article: ${err.message}`);
  }
  try {
    await searchDocuments(base, { year: -1 });
  } catch (err) {
    if (!(err instanceof ProblemError)) throw err;
    console.log(`bad search: ${err.message}; ${err.fieldErrors().join("; ")}`);
  }
}
