import { LearnerError } from "../errors.ts";
import type { Course } from "./manifest.ts";

/** What each lesson is worth, as `--points` says: `each` for every lesson, except those named. */
export interface Points {
  /** Points of every lesson not named (default 1). */
  each: number;
  /** Points of the lessons named, by slug. */
  bySlug: ReadonlyMap<string, number>;
}

/** Every lesson one point: what grading gives without `--points`. */
export const ONE_POINT_EACH: Points = { each: 1, bySlug: new Map() };

const HINT =
  "For example --points 10 (every lesson 10) or --points 10,capstone=30 (the capstone 30, every other lesson 10). Name lessons by slug (capstone) or folder (18-capstone), as in lessons/manifest.json.";

/** The points of the lesson with this slug. */
export function pointsOf(points: Points, slug: string): number {
  return points.bySlug.get(slug) ?? points.each;
}

/**
 * Reads `--points`: comma-separated, a number for every lesson and `slug=N` for
 * single lessons (slug or folder name; numbers are refused, since lesson numbers
 * move when lessons are inserted and a workflow keeps its flags for a term).
 * Anything else is a usage error, raised before any grading starts.
 */
export function parsePoints(spec: string | undefined, course: Course): Points {
  if (spec === undefined) return ONE_POINT_EACH;
  let each: number | undefined;
  const bySlug = new Map<string, number>();
  const parts = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw usage(`--points needs a value, not "${spec}".`);
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) {
      if (each !== undefined)
        throw usage(`--points gives the points of every lesson twice ("${each}" and "${part}").`);
      each = numberOf(part, part);
      continue;
    }
    const key = part.slice(0, eq).trim();
    const value = numberOf(part.slice(eq + 1).trim(), part);
    const lesson = course.lessons.find((l) => l.slug === key || l.id === key);
    if (!lesson) {
      const byNumber = course.lessons.find(
        (l) => String(l.number) === key.replace(/^0+(?=\d)/, ""),
      );
      throw usage(
        byNumber
          ? `--points names lesson ${key} by number; name it by slug: ${byNumber.slug}=${value}.`
          : `--points names "${key}", which is not a lesson of this course.`,
      );
    }
    if (bySlug.has(lesson.slug)) throw usage(`--points gives ${lesson.slug} points twice.`);
    bySlug.set(lesson.slug, value);
  }
  return { each: each ?? 1, bySlug };
}

/** A number of points (0 or more; decimals allowed), or a usage error naming the part. */
function numberOf(text: string, part: string): number {
  if (!/^\d+(\.\d+)?$/.test(text))
    throw usage(`--points: "${part}" does not give a number of points (0 or more).`);
  return Number(text);
}

function usage(message: string): LearnerError {
  return new LearnerError("USAGE", message, { hint: HINT });
}
