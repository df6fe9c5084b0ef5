// The BFF's validation messages are zod's ("Too big: expected number to be <=900"): exact, but
// written for developers. The page says the same thing the way a form would.

const RULES = [
  [/^Too small: expected string to have >=1 characters?$/, () => 'Required.'],
  [/^Invalid input: expected \w+, received undefined$/, () => 'Required.'],
  [/^Too small: expected string to have >=(\d+) characters$/, (n) => `Use at least ${n} characters.`],
  [/^Too big: expected string to have <=(\d+) characters$/, (n) => `Use at most ${n} characters.`],
  [/^Too small: expected number to be >=(\S+)$/, (n) => `Must be ${n} or more.`],
  [/^Too big: expected number to be <=(\S+)$/, (n) => `Must be ${n} or less.`],
  [/^Too small: expected number to be >(\S+)$/, (n) => `Must be more than ${n}.`],
  [/^Too big: expected number to be <(\S+)$/, (n) => `Must be less than ${n}.`],
  [/^Too small: expected array to have >=(\d+) items?$/, (n) => `Add at least ${n}.`],
  [/^Too big: expected array to have <=(\d+) items?$/, (n) => `Add at most ${n}.`],
  [/^Invalid option: expected one of (.+)$/, (list) => `Choose one of ${list.replaceAll('|', ', ')}.`],
  [/^Invalid input: expected (int|number), received \w+$/, () => 'Must be a number.'],
  [/^Invalid input: expected (\w+), received \w+$/, (type) => `Must be a ${type}.`]
]

/** A validation message as a person filling in the form would phrase it. */
export function humanMessage (message) {
  const text = String(message ?? '').trim()
  for (const [pattern, say] of RULES) {
    const match = pattern.exec(text)
    if (match) return say(...match.slice(1))
  }
  const sentence = text.charAt(0).toUpperCase() + text.slice(1)
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`
}
