/**
 * Call `sweep` every `intervalMs` (0: never), one pass at a time so a slow pass is not stacked on; the timer
 * is unref'ed so it never keeps a process alive. Returns the function that stops it.
 */
export function startSweeper(
  intervalMs: number,
  sweep: () => Promise<unknown> | undefined,
  onError: (err: Error) => void,
): () => void {
  if (intervalMs <= 0) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    const pass = sweep();
    if (!pass) return;
    running = true;
    pass.then(
      () => {
        running = false;
      },
      (err: Error) => {
        running = false;
        onError(err);
      },
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
