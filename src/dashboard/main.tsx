/** The dashboard's entry: bundled by esbuild (scripts/build-dashboard.mjs) with its CSS. */
import { render } from 'preact';
import { App } from './app.js';
import './style.css';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
