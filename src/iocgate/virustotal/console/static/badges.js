// Small status badges: where an answer came from (X-Cache, Age) and what the quota allows.

import { formatAge, h } from "./dom.js";

/** "cached · 3 min old", "fresh from upstream" or "cache bypassed", from an answer's meta. */
export function cacheText(meta) {
  if (!meta || !meta.cache) return "cache status not reported";
  const cache = meta.cache.toUpperCase();
  if (cache === "HIT") return meta.age !== null && meta.age !== undefined ? `cached · ${formatAge(meta.age)}` : "cached";
  if (cache === "MISS") return "fresh from upstream";
  if (cache === "BYPASS") return "cache bypassed";
  return `cache: ${meta.cache}`;
}

export function cacheBadge(meta) {
  const cache = (meta && meta.cache ? meta.cache : "none").toLowerCase();
  return h("span", {
    class: `cache-badge cache-${cache.replace(/[^a-z]/g, "")}`,
    attrs: { title: meta && meta.requestId ? `request id ${meta.requestId}` : null },
    text: cacheText(meta),
  });
}

/**
 * Where a brief came from. The brief is built from several upstream answers; when its route
 * sends no X-Cache of its own, its ``cost`` says how many came from the cache.
 */
export function briefSourceBadge(meta, cost) {
  if ((meta && meta.cache) || !cost || !Number.isFinite(cost.requests)) return cacheBadge(meta);
  const calls = Number(cost.upstream_calls) || 0;
  const hits = Number(cost.cache_hits) || 0;
  const text = calls === 0
    ? `all ${hits} answers from cache`
    : `${calls} fresh upstream call${calls === 1 ? "" : "s"}, ${hits} from cache`;
  return h("span", { class: `cache-badge ${calls === 0 ? "cache-hit" : "cache-miss"}`, text });
}

/** "unlimited", or "3 left this minute · 480 today". */
export function quotaText(quota) {
  if (!quota) return "not known yet";
  const parts = [];
  if (quota.minute !== null && quota.minute !== undefined) parts.push(`${quota.minute} left this minute`);
  if (quota.day !== null && quota.day !== undefined) parts.push(`${quota.day} today`);
  if (quota.month !== null && quota.month !== undefined) parts.push(`${quota.month} this month`);
  if (parts.length === 0) return quota.policy ? String(quota.policy) : "not known yet";
  return parts.join(" · ");
}

/** Whether the quota is tight enough that the analyst should confirm a costly fetch. */
export function isQuotaTight(quota, cost) {
  if (!quota || cost <= 0) return false;
  if (quota.policy && /unlimited/i.test(quota.policy)) return false;
  const left = [quota.minute, quota.day, quota.month].filter((v) => v !== null && v !== undefined);
  if (left.length === 0) return Boolean(quota.policy);
  return Math.min(...left) < Math.max(cost * 4, 20);
}
