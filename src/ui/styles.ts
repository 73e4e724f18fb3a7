// Shared CSS for the playground's elements: cards, buttons, form controls, focus rings, tables
// that scroll inside their card (never the page, 390 px phones included), messages.
// Elements list it first in `static styles` and add only what is their own. formStyles: the stacked-label
// forms of the Chip and Tokens tabs and the Roofline (listed before the element's own rules).
import { css } from 'lit';

export const sharedStyles = css`
  :host { color: var(--jp-text); }
  .card { background: var(--jp-surface); border: 1px solid var(--jp-border); border-radius: var(--jp-radius); padding: 12px 14px; box-shadow: var(--jp-shadow); min-width: 0; }
  button { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border); border-radius: 6px; padding: 6px 14px; cursor: pointer; min-height: 32px; }
  button.primary, button[aria-pressed='true'] { background: var(--jp-accent); border-color: var(--jp-accent); color: var(--jp-accent-text); font-weight: 600; }
  button:disabled { opacity: 0.55; cursor: not-allowed; }
  select, input[type='number'], input[type='text'] { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border); border-radius: 6px; padding: 4px 6px; min-height: 30px; box-sizing: border-box; min-width: 0; max-width: 100%; }
  input[aria-invalid='true'] { border-color: var(--jp-error); outline: 1px solid var(--jp-error); }
  /* Every control shows where the keyboard is. */
  :is(button, select, input, summary, a, [tabindex]):focus-visible { outline: 3px solid var(--jp-focus); outline-offset: 2px; }
  /* Wide tables scroll inside their own box, so the page never overflows a phone. */
  .table-scroll { overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch; }
  /* The scroll cue: a shadow at an edge with more columns behind it (covers scroll with the content at the ends). */
  .table-scroll {
    background:
      linear-gradient(to right, var(--jp-surface) 30%, transparent) left / 28px 100% no-repeat local,
      linear-gradient(to left, var(--jp-surface) 30%, transparent) right / 28px 100% no-repeat local,
      radial-gradient(farthest-side at 0 50%, rgb(0 0 0 / 0.3), transparent) left / 12px 100% no-repeat scroll,
      radial-gradient(farthest-side at 100% 50%, rgb(0 0 0 / 0.3), transparent) right / 12px 100% no-repeat scroll;
  }
  .table-scroll:focus-visible { outline: 3px solid var(--jp-focus); outline-offset: 2px; }
  table { border-collapse: collapse; width: 100%; font-size: 0.88rem; font-variant-numeric: tabular-nums; }
  th, td { padding: 5px 8px; border-bottom: 1px solid var(--jp-border); }
  thead th { color: var(--jp-muted); font-weight: 600; font-size: 0.8rem; }
  h2 { font-size: 1rem; margin: 0 0 8px; }
  .muted, .msg { color: var(--jp-muted); font-size: 0.85rem; }
  .msg { margin: 6px 0 0; }
  .error, .err { color: var(--jp-error); }
  p.error, div.error { background: var(--jp-error-bg); border-radius: 6px; padding: 8px 10px; font-size: 0.9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
  .warn { color: var(--jp-text); background: var(--jp-warn-bg); border-left: 4px solid var(--jp-warn); border-radius: 6px; padding: 6px 10px; font-size: 0.88rem; }
  .ok { color: var(--jp-ok); font-weight: 700; }
  .bad { color: var(--jp-error); font-weight: 700; }
  .mono, code { font-family: var(--jp-mono); font-size: 0.85rem; }
  .whatif { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 10px; font-size: 0.72rem; font-weight: 600; border: 1px dashed var(--jp-accent); color: var(--jp-accent); white-space: nowrap; }
  .bound { font-weight: 600; }
  .bound.memory { color: var(--jp-plot-2); }
  .bound.compute { color: var(--jp-ok); }
  .bound.noc { color: var(--jp-accent); }
  .bound.array-schedule, .bound.launch, .bound.collective { color: var(--jp-muted); }
  /* The parts of an op's time split (op-split.ts), in every view that draws them. */
  .t-compute { background: #1b5e20; } .t-memory { background: #0d47a1; } .t-launch { background: #e65100; } .t-collective { background: #6a1b9a; }
`;

/**
 * A form of labels stacked over their controls (the Chip tab's, the Tokens tab's, the Roofline's): muted
 * labels, the controls' look, a 2 px focus ring. (Where sharedStyles is listed too, its 3 px ring wins.)
 */
export const formStyles = css`
  label { display: grid; gap: 2px; font-size: 0.85rem; color: var(--jp-muted); }
  select, input { font: inherit; color: var(--jp-text); background: var(--jp-surface-2); border: 1px solid var(--jp-border); border-radius: 6px; padding: 4px 6px; min-height: 30px; box-sizing: border-box; }
  select:focus-visible, input:focus-visible, button:focus-visible { outline: 2px solid var(--jp-focus); outline-offset: 2px; }
`;
