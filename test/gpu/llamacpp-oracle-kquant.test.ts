// llama.cpp as the oracle (llamacpp-oracle.ts): K-quants (Q4_K_M and Q3_K_M mixes, Q5_K, Q6_K, Q3_K, Q2_K), IQ4_NL / IQ4_XS, and
// block-quantized token_embd tables, tied and untied.
import { describeOracle } from './llamacpp-oracle.ts';

describeOracle('kquant');
