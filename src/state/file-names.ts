import { claimUniqueName, thumbnailFileName } from '../core/naming';
import { DEFAULT_NAME_PATTERN } from '../core/settings';
import type { Job, JobThumbnail } from './jobs.svelte';

/**
 * Download names, unique across the list at all times, so a card's Download and
 * the ZIP agree and no two entries collide (two 'photo.jpg' from different
 * folders give 'photo-256x171.jpg' and 'photo-256x171-2.jpg'). A name is given
 * once, when its thumbnail arrives, and freed when it goes: finishing one item
 * never renames the others (which would redraw all 1,000 cards). Only a new name
 * pattern renames everything, in list order.
 */
export class FileNames {
  private taken = new Set<string>();
  private pattern = DEFAULT_NAME_PATTERN;

  claim(thumbnail: JobThumbnail, inputName: string): JobThumbnail {
    const wanted = thumbnailFileName({ inputName, width: thumbnail.width, height: thumbnail.height, extension: thumbnail.extension, options: thumbnail.options }, this.pattern);
    return { ...thumbnail, fileName: claimUniqueName(wanted, this.taken) };
  }

  claimAll(job: Job): void {
    job.thumbnails = job.thumbnails.map((t) => this.claim(t, job.name));
  }

  release(fileName: string): void {
    this.taken.delete(fileName.toLowerCase());
  }

  setPattern(pattern: string, items: readonly Job[]): void {
    if (pattern === this.pattern) return;
    this.pattern = pattern;
    this.taken.clear();
    for (const job of items) if (job.thumbnails.length) this.claimAll(job);
  }
}
