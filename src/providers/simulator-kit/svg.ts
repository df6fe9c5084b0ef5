/**
 * A small, valid SVG drawing: labelled boxes joined by arrows, top to bottom. Labels are escaped,
 * so text taken from a prompt cannot turn into markup.
 */
export function generateSvg (opts: { labels?: readonly string[], seed?: number } = {}): Buffer {
  const labels = (opts.labels?.length ? opts.labels : ['Start', 'Step', 'End']).slice(0, 12)
  const hue = (47 * (opts.seed ?? 0) + 200) % 360
  const width = 320
  const boxHeight = 44
  const gap = 28
  const height = labels.length * (boxHeight + gap) + gap
  const shapes = labels.map((label, i) => {
    const y = gap + i * (boxHeight + gap)
    const box = `<rect x="40" y="${y}" width="${width - 80}" height="${boxHeight}" rx="8" fill="hsl(${hue} 70% 92%)" stroke="hsl(${hue} 50% 40%)" stroke-width="2"/>` +
      `<text x="${width / 2}" y="${y + boxHeight / 2 + 5}" text-anchor="middle" font-family="sans-serif" font-size="14">${escapeXml(label.slice(0, 40))}</text>`
    const arrow = i === labels.length - 1
      ? ''
      : `<line x1="${width / 2}" y1="${y + boxHeight}" x2="${width / 2}" y2="${y + boxHeight + gap - 4}" stroke="#555" stroke-width="2" marker-end="url(#arrow)"/>`
    return box + arrow
  })
  const svg = `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>' +
    `<rect width="100%" height="100%" fill="#fff"/>${shapes.join('')}</svg>\n`
  return Buffer.from(svg, 'utf8')
}

export function escapeXml (text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
}
