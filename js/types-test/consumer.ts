// Compiled with `tsc --noEmit` (npm run test:types): the declarations type a real caller, and
// the @ts-expect-error lines prove they reject misuse rather than typing everything `any`.
import {
  ExportDownloadError,
  ExportJobError,
  cancelExportJob,
  downloadExportJob,
  downloadExports,
  fallbackFilename,
  filenameFromContentDisposition,
  startExportJob,
  waitForExportJob,
  type ExportJob,
  type FileResult,
  type UrlsResult,
} from "@export-contract/client";

const service = { baseUrl: "https://api.example.com/api", apiKey: "key" };

export async function saveAll(urls: string[]): Promise<string> {
  const file: FileResult = await downloadExports({ ...service, sourceFileUrls: urls });
  const links: UrlsResult = await downloadExports({ ...service, sourceFileUrls: urls, mode: "urls" });
  const named: string | null = filenameFromContentDisposition("attachment; filename=a.pdf");
  return `${file.filename} ${links.exportedUrls.length} ${named ?? fallbackFilename({ batch: true })}`;
}

export async function runJob(urls: string[]): Promise<Blob | null> {
  const job: ExportJob = await startExportJob(urls, { ...service, name: "plans" });
  try {
    const done = await waitForExportJob(job, {
      ...service,
      onProgress: ({ done: finished, total, state }) => console.log(finished, total, state),
    });
    return (await downloadExportJob(done)).blob;
  } catch (error) {
    if (error instanceof ExportJobError) console.log(error.code, error.job.state);
    else if (error instanceof ExportDownloadError) console.log(error.kind, error.status);
    await cancelExportJob(job.id, service);
    return null;
  }
}

// @ts-expect-error: sourceFileUrls is required
void downloadExports({ baseUrl: "https://api.example.com/api" });
// @ts-expect-error: a job state is one of five words
const wrong: ExportJob["state"] = "finished";
void wrong;
