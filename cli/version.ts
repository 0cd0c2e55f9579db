/** The release version of `ids`. */
export const VERSION = "0.1.0";
