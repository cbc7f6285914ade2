import { thumbnailFileName, uniqueFileNames } from '../core/naming';
import { jobs, type JobThumbnail } from './jobs.svelte';
import { currentSettings } from './settings.svelte';
import { DEFAULT_NAME_PATTERN } from '../core/settings';

/**
 * Every done thumbnail's download name, unique across the list, so a card's
 * Download and the ZIP agree and no two downloads share a name (two 'photo.jpg'
 * from different folders give 'photo-256x171.jpg' and 'photo-256x171-2.jpg').
 */
class Downloads {
  readonly names = $derived.by(() => {
  const current = currentSettings();
  const pattern = current.ok ? current.settings.namePattern : DEFAULT_NAME_PATTERN;
  const thumbnails: JobThumbnail[] = [];
  const names: string[] = [];
  for (const job of jobs.items) {
    if (job.state !== 'done') continue;
    for (const t of job.thumbnails) {
      thumbnails.push(t);
      names.push(thumbnailFileName({ inputName: job.name, width: t.width, height: t.height, extension: t.extension, options: t.options }, pattern));
    }
  }
  const unique = uniqueFileNames(names);
  return new Map(thumbnails.map((t, i) => [t.url, unique[i]!]));
  });

  /** All done thumbnails with their names, in list order (what "Download all" zips). */
  entries(): { name: string; blob: Blob }[] {
    const out: { name: string; blob: Blob }[] = [];
    for (const job of jobs.items) {
      if (job.state !== 'done') continue;
      for (const t of job.thumbnails) out.push({ name: this.names.get(t.url)!, blob: t.blob });
    }
    return out;
  }
}

export const downloads = new Downloads();
