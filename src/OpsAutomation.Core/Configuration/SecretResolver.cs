namespace OpsAutomation.Core.Configuration;

/// <summary>
/// Resolves secret references so that configuration never holds a secret itself:
/// <c>env:NAME</c> reads an environment variable, <c>file:PATH</c> reads a file (trailing
/// newline trimmed; a relative path is relative to the configuration file), and
/// <c>secret:NAME</c> or <c>secret:VAULT/NAME</c> asks a secret store (PowerShell's
/// SecretManagement, through a lookup the caller hands in; the vault is what precedes the first /).
/// </summary>
public sealed class SecretResolver
{
    /// <summary>The forms of a reference, for messages.</summary>
    public const string ReferenceForms = "'env:NAME', 'file:PATH' or 'secret:NAME'";

    private readonly Func<string, string?> _environment;
    private readonly Func<string, string?, string>? _secretStore;

    /// <param name="environment">Reads environment variables; the process's when null.</param>
    /// <param name="secretStore">
    /// Returns the secret of a name and an optional vault, or throws <see cref="SecretStoreException"/>
    /// saying why it cannot; null when no secret store is available.
    /// </param>
    public SecretResolver(Func<string, string?>? environment = null, Func<string, string?, string>? secretStore = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _secretStore = secretStore;
    }

    /// <summary>True when <paramref name="value"/> has the shape of a reference.</summary>
    public static bool IsReference(string? value) =>
        value is not null && (value.StartsWith("env:", StringComparison.OrdinalIgnoreCase) || value.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("secret:", StringComparison.OrdinalIgnoreCase));

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

        if (reference.StartsWith("secret:", StringComparison.OrdinalIgnoreCase))
            return ResolveFromStore(reference, origin);

        throw new ConfigurationException($"a secret must be given as a reference, {ReferenceForms}, never in clear text", origin);
    }

    private string ResolveFromStore(string reference, string origin)
    {
        var path = reference[7..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var (vault, name) = slash < 0 ? (null, path) : (path[..slash], path[(slash + 1)..]);
        if (name.Length == 0 || vault is { Length: 0 })
            throw new ConfigurationException($"secret reference '{reference}' names no secret; write 'secret:NAME' or 'secret:VAULT/NAME'", origin);
        try
        {
            if (_secretStore is null) throw new SecretStoreException(SecretStoreException.NotInstalled);
            var value = _secretStore(name, vault);
            return string.IsNullOrEmpty(value) ? throw new SecretStoreException("the secret is empty") : value;
        }
        catch (SecretStoreException ex)
        {
            throw new SecretReferenceException($"secret reference '{reference}': {ex.Message}", origin);
        }
    }
}

/// <summary>A secret store cannot give a secret; the message says why and never holds a value.</summary>
public sealed class SecretStoreException : Exception
{
    /// <summary>Why a <c>secret:</c> reference cannot resolve where no store is loaded.</summary>
    public const string NotInstalled =
        "Get-Secret is not available: install and import the Microsoft.PowerShell.SecretManagement module and register a vault (such as Microsoft.PowerShell.SecretStore)";

    public SecretStoreException(string message) : base(message)
    {
    }

    public SecretStoreException(string message, Exception inner) : base(message, inner)
    {
    }
}
