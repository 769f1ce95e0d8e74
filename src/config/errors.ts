/** A refused configuration value. The message always starts with the option's flag. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(
    readonly option: string,
    message: string
  ) {
    super(message)
  }
}
