// A small app written against the TypeScript client that openapi-typescript generates from
// openapi/openapi.json, as an app team would. CI type-checks it (`tsc --strict`), so a
// contract change that would break such an app fails the build.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

/** What the app shows for a problem: its own text for codes it knows, the status for any other. */
export function explain(problem: Problem): string {
  switch (problem.code) {
    case "profile_incomplete":
      return "Complete your profile first.";
    case "rate_limited":
      return "Too many tries; wait a moment.";
    case "validation_failed":
      return problem.errors.map((e) => `${e.field}: ${e.message}`).join("\n");
    default:
      // A code added after this app was built: fall back on the status.
      return problem.status >= 500 ? "Something went wrong on our side." : problem.detail;
  }
}

/** The reasons a card gives, in words; a reason this app does not know yet is left out. */
export function reasons(card: Schemas["FeedCard"]): string[] {
  return card.why.reasons.flatMap((reason) => {
    switch (reason) {
      case "competence_match":
        return ["Your strengths fit"];
      case "nearby":
        return ["Close to home"];
      case "hours_fit":
        return ["The hours fit"];
      case "new":
        return ["New"];
      case "no_start_qualification_needed":
        return ["No diploma needed"];
      default:
        return [];
    }
  });
}

/** Registers, fills in the profile and likes every vacancy of the feed, page by page. */
export async function coreLoop(email: string): Promise<number> {
  const registered = await api.POST("/v1/auth/register/youth", {
    body: { email, password: "correct horse battery", first_name: "Sanne" },
    params: { header: { "Accept-Language": "nl" } },
  });
  if (registered.error) throw new Error(explain(registered.error));
  const session: Schemas["Session"] = registered.data;
  const headers = { Authorization: `${session.token_type} ${session.access_token}` };
  const role: string = session.account.role; // an open enum: any string may come

  const profile = await api.PUT("/v1/me/profile", {
    headers,
    body: {
      first_name: "Sanne",
      last_name: "de Vries",
      birth_date: "2007-05-14",
      place_name: "Eindhoven",
      location: { lat: 51.4416, lon: 5.4697 },
      education_level: "mbo2",
      hours_min: 16,
      hours_max: 32,
      kinds: ["job", "bbl"],
    },
  });
  if (profile.error) throw new Error(explain(profile.error));
  const missing: string[] = profile.data.missing;
  await api.PUT("/v1/me/profile/competences", {
    headers,
    body: { competences: ["teamwork", "reliability", "punctuality"] },
  });

  let liked = 0;
  let cursor: string | undefined;
  do {
    const page = await api.GET("/v1/me/feed", { headers, params: { query: { limit: 20, cursor } } });
    if (page.error) throw new Error(explain(page.error));
    for (const card of page.data.items) {
      const when: Date | null = card.expires_at === null ? null : new Date(card.expires_at);
      void when;
      void reasons(card);
      const swipe = await api.PUT("/v1/me/swipes/{vacancy_id}", {
        headers,
        params: { path: { vacancy_id: card.vacancy_id } },
        body: { decision: "like" },
      });
      if (swipe.error) throw new Error(explain(swipe.error));
      if (swipe.data.match_id !== null) liked += 1;
    }
    cursor = page.data.next_cursor ?? undefined;
  } while (cursor !== undefined);
  void role;
  void missing;
  return liked;
}

/** Revalidates the catalogue with its ETag, as a cache would. */
export async function competences(etag?: string): Promise<Schemas["CompetenceView"][]> {
  const all: Schemas["CompetenceView"][] = [];
  let cursor: string | undefined;
  do {
    const page = await api.GET("/v1/competences", {
      params: { query: { limit: 100, cursor }, header: { "If-None-Match": etag } },
    });
    if (page.response.status === 304 || page.data === undefined) return all;
    all.push(...page.data.items);
    cursor = page.data.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}
