using System.Text.RegularExpressions;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>
/// Builds a <see cref="HealthCheckDefinition"/> from a map of keys: a catalog entry, a
/// pipeline object or the command line all pass through here, so every source gets the
/// same validation and the same error messages. Values come from the overrides (parameters)
/// first, then the entry, then the settings.
/// </summary>
public static class HealthCheckDefinitionBinder
{
    public static readonly IReadOnlyList<string> Keys =
    [
        "Name", "Kind", "Uri", "Target", "Method", "ExpectedStatusCode", "BodyPattern", "MaxResponseTimeSec",
        "TimeoutSec", "RetryCount", "Headers", "Credential", "SkipCertificateCheck",
    ];

    private static readonly string[] CredentialKeys = ["UserName", "Password"];

    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "OPTIONS", "PATCH", "DELETE"];

    /// <param name="entry">The definition's own keys.</param>
    /// <param name="overrides">Values that win over the entry (bound parameters); null for none.</param>
    /// <param name="settings">Defaults for timeout and retries.</param>
    public static HealthCheckDefinition Bind(ConfigurationMap entry, ConfigurationMap? overrides, OpsSettings settings, Func<string, string?>? environment = null)
    {
        entry.RejectUnknownKeys(Keys);
        ConfigurationMap From(string key) => overrides is not null && overrides.Contains(key) ? overrides : entry;

        if (entry.Contains("Uri") && entry.Contains("Target"))
            throw entry.Error("give Uri or Target, not both", "Target");
        var targetKey = entry.Contains("Target") ? "Target" : "Uri";
        var rawTarget = VariableExpander.Expand(entry.GetRequiredString(targetKey), $"{entry.Origin}, key '{entry.KeyPath(targetKey)}'", environment);

        var kindText = From("Kind").GetString("Kind");
        HealthCheckKind kind;
        if (string.IsNullOrWhiteSpace(kindText))
        {
            kind = HealthTargets.InferKind(rawTarget)
                ?? throw entry.Error($"cannot tell the kind of '{rawTarget}'; give Kind ({string.Join(", ", Enum.GetNames<HealthCheckKind>())}) or a URI with a scheme", targetKey);
        }
        else if (!Enum.TryParse(kindText, ignoreCase: true, out kind) || !Enum.IsDefined(kind) || int.TryParse(kindText, out _))
        {
            throw From("Kind").Error($"unknown kind '{kindText}'; use one of {string.Join(", ", Enum.GetNames<HealthCheckKind>())}", "Kind");
        }

        var target = HealthTargets.Normalize(kind, rawTarget, entry, targetKey);
        var name = entry.GetString("Name");
        if (string.IsNullOrWhiteSpace(name)) name = target;

        var method = (From("Method").GetString("Method") ?? "GET").ToUpperInvariant();
        if (!Methods.Contains(method))
            throw From("Method").Error($"unsupported HTTP method '{method}'; use one of {string.Join(", ", Methods)}", "Method");

        var bodyPattern = From("BodyPattern").GetString("BodyPattern");
        if (bodyPattern is not null)
        {
            try
            {
                _ = new Regex(bodyPattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                throw From("BodyPattern").Error($"'{bodyPattern}' is not a valid regular expression: {ex.Message}", "BodyPattern");
            }
        }

        var maxResponse = From("MaxResponseTimeSec").GetDouble("MaxResponseTimeSec", 0.001, 3600);
        var timeout = From("TimeoutSec").GetDouble("TimeoutSec", 0.001, 3600) ?? settings.TimeoutSec;
        var credential = entry.GetMap("Credential");
        credential?.RejectUnknownKeys(CredentialKeys);
        var password = credential?.GetRequiredString("Password");
        if (password is not null && !SecretResolver.IsReference(password))
            throw credential!.Error("a password must be a reference, 'env:NAME' or 'file:PATH', never clear text", "Password");

        var headersSource = From("Headers");
        var headers = headersSource.GetStringMap("Headers");
        foreach (var (header, value) in headers)
        {
            if (SecretRedactor.IsSensitiveName(header) && !SecretResolver.IsReference(value))
                throw headersSource.Error($"header '{header}' carries a secret: give it as a reference, 'env:NAME' or 'file:PATH'", $"Headers.{header}");
        }

        return new HealthCheckDefinition
        {
            Name = name.Trim(),
            Kind = kind,
            Target = target,
            Method = method,
            ExpectedStatusCodes = From("ExpectedStatusCode").GetIntList("ExpectedStatusCode", 100, 599),
            BodyPattern = bodyPattern,
            MaxResponseTime = maxResponse is { } m ? TimeSpan.FromSeconds(m) : null,
            Timeout = TimeSpan.FromSeconds(timeout),
            RetryCount = From("RetryCount").GetInt("RetryCount", 0, 100) ?? settings.RetryCount,
            Headers = headers,
            UserName = credential?.GetRequiredString("UserName"),
            PasswordReference = password,
            SkipCertificateCheck = From("SkipCertificateCheck").GetBool("SkipCertificateCheck") ?? false,
            Origin = entry.Path.Length == 0 ? entry.Origin : $"{entry.Origin}, {entry.Path} ({name})",
        };
    }
}
