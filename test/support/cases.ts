/** The late-callback cases every framework suite must see, with right ids only. */
export const LATE_CASES = [
  'req data',
  'req end',
  'own timer',
  'res finish (added late)',
  'res close',
  'pool callback',
  'bus listener',
  'startup-timer queue',
  'body stream end',
];
