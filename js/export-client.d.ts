// Type declarations for export-client.js (hand-written; keep in step with its JSDoc).

export declare const FALLBACK_STEM: "canvas-export";
export declare const BATCH_FALLBACK_FILENAME: "canvas-exports.zip";

export type ExportErrorKind =
  | "bad-request" | "unauthorized" | "not-found" | "rate-limited" | "server"
  | "network" | "protocol" | "gone" | "job-error" | "job-cancelled" | "job-gone";

export interface FileResult {
  kind: "file";
  blob: Blob;
  filename: string;
  /** where the name came from (rule F6) */
  filenameSource: "header" | "fallback";
  /** empty when the response had none */
  contentType: string;
}

export interface UrlsResult {
  kind: "urls";
  /** one element for a single download */
  exportedUrls: string[];
  /** always empty for a single download */
  skipped: Array<{ sourceFileUrl?: string; reason?: string }>;
}

export type ExportJobState = "processing" | "complete" | "error" | "cancelled" | "gone";

/** An export job as the service describes it (rule J2). */
export interface ExportJob {
  id: string;
  state: ExportJobState;
  name: string;
  createdAt: string;
  updatedAt: string;
  progress: { done: number; total: number };
  /** absolute; set only while `complete` */
  downloadUrl: string | null;
  expiresAt: string | null;
  /** set only when `error` */
  error: { code: string; message: string } | null;
}

export interface ExportJobProgress {
  done: number;
  total: number;
  state: ExportJobState;
}

/** Where the service is and how to reach it; the same for every job function. */
export interface ServiceOptions {
  /** includes the `/api` prefix, e.g. `https://host/api` */
  baseUrl: string;
  /** sent as `x-api-key` when non-empty */
  apiKey?: string;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

export declare class ExportDownloadError extends Error {
  constructor(kind: ExportErrorKind, message: string, extra?: {
    status?: number | null; detail?: string; problem?: object;
    retryAfterSeconds?: number; cause?: unknown;
  });
  name: string;
  kind: ExportErrorKind;
  /** HTTP status, or null when no response arrived (network, input) */
  status: number | null;
  /** `detail` of the problem-details body, when there was one */
  detail: string | undefined;
  /** the whole parsed error body, when it was JSON */
  problem: object | undefined;
  /** seconds from `Retry-After` on a 429, when the header was readable */
  retryAfterSeconds: number | undefined;
  /** the same seconds, null when absent or unreadable */
  retryAfter: number | null;
}

/** An export job that ended without a zip: `error`, `cancelled` or `gone`. */
export declare class ExportJobError extends ExportDownloadError {
  constructor(job: ExportJob, message: string);
  job: ExportJob;
  state: "error" | "cancelled" | "gone";
  /** the job's `error.code` when it ended `error`, else its state */
  code: string;
}

/** The filename a `Content-Disposition` header names, or null when it names nothing usable. */
export declare function filenameFromContentDisposition(header: string | null | undefined): string | null;

/** The name to save under when the response names none (rule F6). */
export declare function fallbackFilename(options: { batch: boolean; contentType?: string | null }): string;

export interface DownloadOptions {
  /** includes the `/api` prefix, e.g. `https://host/api` */
  baseUrl: string;
  apiKey?: string;
  sourceFileUrls: string[];
  mode?: "file" | "urls";
  /** defaults to `sourceFileUrls.length > 1` */
  batch?: boolean;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

export declare function downloadExports(options: DownloadOptions & { mode?: "file" }): Promise<FileResult>;
export declare function downloadExports(options: DownloadOptions & { mode: "urls" }): Promise<UrlsResult>;
export declare function downloadExports(options: DownloadOptions): Promise<FileResult | UrlsResult>;

/** Starts an export job for `items` (rule J1). */
export declare function startExportJob(
  items: Array<string | { sourceFileUrl: string }>,
  options: ServiceOptions & { name?: string; callbackUrl?: string },
): Promise<ExportJob>;

/** Polls the job until `complete`; rejects with `ExportJobError` when it ends otherwise. */
export declare function waitForExportJob(
  jobOrId: ExportJob | string,
  options: ServiceOptions & { onProgress?: (progress: ExportJobProgress) => void; intervalMs?: number },
): Promise<ExportJob>;

/** Cancels a `processing` job, or deletes a `complete` one's zip (rule J5). */
export declare function cancelExportJob(jobOrId: ExportJob | string, options: ServiceOptions): Promise<ExportJob>;

/** Downloads a `complete` job's zip from its signed `downloadUrl` (rule J6). */
export declare function downloadExportJob(
  job: ExportJob,
  options?: { signal?: AbortSignal; fetchImpl?: typeof fetch },
): Promise<FileResult>;

/** Saves a blob under `filename` through a temporary link (browsers only). */
export declare function saveBlob(
  blob: Blob,
  filename: string,
  env?: { document?: Document; urlApi?: typeof URL; revokeAfterMs?: number },
): void;
