// What the client's test files share: the backend and the items they name, answers of the
// shapes the contract gives, and the error a promise rejects with.
import assert from "node:assert/strict";

export const BASE = "https://backend.example.com/api";
export const PDF = "https://canvas.example.com/files/floor-plan.pdf";
export const TXT = "https://canvas.example.com/files/r%C3%A9sum%C3%A9.txt";

/** A JSON answer. */
export function jsonResponse(body, status = 200, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

/** A problem-details answer (RFC 9457, with the contract's `success: false`). */
export function problemResponse(status, detail, headers = {}) {
  const body = { type: "about:blank", title: "Error", status, detail, success: false };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/problem+json", ...headers },
  });
}

/** The error `promise` rejects with; the test fails if it resolves. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}
