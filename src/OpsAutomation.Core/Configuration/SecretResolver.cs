namespace OpsAutomation.Core.Configuration;

/// <summary>
/// Resolves secret references so that configuration never holds a secret itself:
/// <c>env:NAME</c> reads an environment variable, <c>file:PATH</c> reads a file (trailing
/// newline trimmed; a relative path is relative to the configuration file).
/// </summary>
public sealed class SecretResolver
{
    private readonly Func<string, string?> _environment;

    public SecretResolver(Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>True when <paramref name="value"/> has the shape of a reference.</summary>
    public static bool IsReference(string? value) =>
        value is not null && (value.StartsWith("env:", StringComparison.OrdinalIgnoreCase) || value.StartsWith("file:", StringComparison.OrdinalIgnoreCase));

    /// <summary>Resolves <paramref name="reference"/>; the error names the reference and <paramref name="origin"/>, never a value.</summary>
    /// <param name="baseDirectory">Where a relative <c>file:</c> path starts; the working directory when null.</param>
    public string Resolve(string reference, string origin, string? baseDirectory = null)
    {
        if (reference.StartsWith("env:", StringComparison.OrdinalIgnoreCase))
        {
            var name = reference[4..];
            if (name.Length == 0)
                throw new ConfigurationException("secret reference 'env:' names no environment variable", origin);
            var value = _environment(name);
            return string.IsNullOrEmpty(value)
                ? throw new SecretReferenceException($"secret reference '{reference}': environment variable {name} is not set", origin)
                : value;
        }

        if (reference.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            var path = reference[5..];
            if (path.Length == 0)
                throw new ConfigurationException("secret reference 'file:' names no file", origin);
            var fullPath = Path.GetFullPath(path, baseDirectory ?? Environment.CurrentDirectory);
            try
            {
                return File.ReadAllText(fullPath).TrimEnd('\r', '\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The exception's own message may quote the path only; still, keep it out: the type says enough.
                throw new SecretReferenceException($"secret reference '{reference}': the file cannot be read ({ex.GetType().Name})", origin);
            }
        }

        throw new ConfigurationException("a secret must be given as a reference, 'env:NAME' or 'file:PATH', never in clear text", origin);
    }
}
