// Entry: the shell element; everything else loads from it (the WGSL editor and the chip tabs lazily).
import './ui/app-shell.ts';
