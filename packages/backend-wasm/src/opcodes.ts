// Numbers shared by the TypeScript kernels and the AssemblyScript module: asc compiles this file
// too (assembly/ imports it), so the two sides cannot disagree. Plain `const`s of integer literals
// only: they are valid in both languages.

export const DT_F32 = 0;
export const DT_I32 = 1;
export const DT_BOOL = 2;

// Unary kernels.
export const U_EXP = 0;
export const U_LOG = 1;
export const U_LOG1P = 2;
export const U_EXPM1 = 3;
export const U_SQRT = 4;
export const U_RSQRT = 5;
export const U_RECIPROCAL = 6;
export const U_SIN = 7;
export const U_COS = 8;
export const U_TANH = 9;
export const U_SIGMOID = 10;
export const U_SOFTPLUS = 11;
export const U_ERF = 12;
export const U_NEG = 13;
export const U_ABS = 14;
export const U_SQUARE = 15;
export const U_SIGN = 16;
export const U_RELU = 17;
export const U_FLOOR = 18;
export const U_CEIL = 19;
export const U_ROUND = 20;
export const U_NOT = 21;

// Binary kernels (arithmetic keeps the dtype, comparisons and logic give bool).
export const B_ADD = 0;
export const B_SUB = 1;
export const B_MUL = 2;
export const B_DIV = 3;
export const B_POW = 4;
export const B_MAX = 5;
export const B_MIN = 6;
export const B_MOD = 7;
export const B_EQ = 8;
export const B_NE = 9;
export const B_LT = 10;
export const B_LE = 11;
export const B_GT = 12;
export const B_GE = 13;
export const B_AND = 14;
export const B_OR = 15;

// Reductions.
export const R_SUM = 0;
export const R_PROD = 1;
export const R_MAX = 2;
export const R_MIN = 3;
export const R_ALL = 4;
export const R_ANY = 5;

// FusedMatMul activations.
export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_SIGMOID = 2;
export const ACT_TANH = 3;
