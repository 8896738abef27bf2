/** The tab icon: the logo's ⇄ on the accent colour, drawn as paths (an SVG font glyph would depend on the viewer's fonts). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#3b5bdb"/>
<path d="M7 12h16m-4-4 4 4-4 4M25 20H9m4-4-4 4 4 4" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
`;
