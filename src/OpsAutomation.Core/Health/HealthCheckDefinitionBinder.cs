using System.Text.RegularExpressions;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
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
        "Name", "Kind", "Uri", "Target", "Method", "ExpectedStatusCode", "BodyPattern", "JsonCondition", "HeaderPattern",
        "MaxResponseTimeSec", "CertificateExpiryDays", "TimeoutSec", "RetryCount", "Headers", "Credential", "ApiKey", "BearerToken",
        "SkipCertificateCheck", "MaxTargetsDownRatio", "Namespace", "LabelSelector", "RestartWindowMin", "Kubeconfig", "Context",
        "CircuitBreakerThreshold", "CircuitBreakerCooldownSec", "Severity", "Tags", "Owner", "FollowRedirects", "MaxResponseBytes", "CaBundle",
        "ClientCertificate", "ClientKey", "ClientCertificatePassword", "DependsOn", "Queries",
    ];

    private static readonly string[] CredentialKeys = ["UserName", "Password"];

    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "OPTIONS", "PATCH", "DELETE"];

    /// <summary>Keys a catalog's Defaults may set for every service: all but those that identify one.</summary>
    public static readonly IReadOnlyList<string> DefaultableKeys = [.. Keys.Except(["Name", "Uri", "Target", "DependsOn"])];

    /// <param name="entry">The definition's own keys.</param>
    /// <param name="overrides">Values that win over the entry (bound parameters); null for none.</param>
    /// <param name="settings">Defaults for timeout and retries.</param>
    /// <param name="defaults">A catalog's Defaults: values for keys the entry does not set.</param>
    /// <param name="baseDirectory">Where relative file names (CaBundle, ClientCertificate, ClientKey) are found: the catalog's folder; null for the current directory.</param>
    public static HealthCheckDefinition Bind(ConfigurationMap entry, ConfigurationMap? overrides, OpsSettings settings, Func<string, string?>? environment = null,
        ConfigurationMap? defaults = null, string? baseDirectory = null)
    {
        entry.RejectUnknownKeys(Keys);
        ConfigurationMap From(string key) =>
            overrides is not null && overrides.Contains(key) ? overrides
            : entry.Contains(key) || defaults is null || !defaults.Contains(key) ? entry
            : defaults;

        if (entry.Contains("Uri") && entry.Contains("Target"))
            throw entry.Error("give Uri or Target, not both", "Target");
        var targetKey = entry.Contains("Target") ? "Target" : "Uri";
        var declaredKind = From("Kind").GetEnum<HealthCheckKind>("Kind", "kind");
        var targetOptional = declaredKind is HealthCheckKind.Kubernetes or HealthCheckKind.KubernetesWorkload;
        var rawTarget = targetOptional && string.IsNullOrWhiteSpace(entry.GetString(targetKey))
            ? ""
            : VariableExpander.Expand(entry.GetRequiredString(targetKey), $"{entry.Origin}, key '{entry.KeyPath(targetKey)}'", environment);

        var kind = declaredKind ?? HealthTargets.InferKind(rawTarget)
            ?? throw entry.Error($"cannot tell the kind of '{rawTarget}'; give Kind ({string.Join(", ", Enum.GetNames<HealthCheckKind>())}) or a URI with a scheme", targetKey);

        var target = HealthTargets.Normalize(kind, rawTarget, entry, targetKey);
        var name = entry.GetString("Name");
        if (string.IsNullOrWhiteSpace(name))
            name = target.Length > 0 ? target : throw entry.Error($"a {kind} check without a target needs a Name", "Name");

        var method = (From("Method").GetString("Method") ?? "GET").ToUpperInvariant();
        if (!Methods.Contains(method))
            throw From("Method").Error($"unsupported HTTP method '{method}'; use one of {string.Join(", ", Methods)}", "Method");

        var bodyPattern = From("BodyPattern").GetString("BodyPattern");
        if (bodyPattern is not null) ValidateRegex(From("BodyPattern"), "BodyPattern", bodyPattern);

        var maxResponse = From("MaxResponseTimeSec").GetDouble("MaxResponseTimeSec", 0.001, 3600);
        var timeout = From("TimeoutSec").GetDouble("TimeoutSec", 0.001, 3600) ?? settings.TimeoutSec;
        var credential = From("Credential").GetMap("Credential");
        credential?.RejectUnknownKeys(CredentialKeys);
        var password = credential?.GetRequiredString("Password");
        if (password is not null && !SecretResolver.IsReference(password))
            throw credential!.Error($"a password must be a reference, {SecretResolver.ReferenceForms}, never clear text", "Password");

        var jsonConditions = From("JsonCondition").GetStringList("JsonCondition");
        foreach (var condition in jsonConditions)
        {
            try { Conditions.JsonCondition.Parse(condition); }
            catch (FormatException ex) { throw From("JsonCondition").Error(ex.Message, "JsonCondition"); }
        }
        var headerPatterns = From("HeaderPattern").GetStringMap("HeaderPattern");
        foreach (var (header, pattern) in headerPatterns)
            ValidateRegex(From("HeaderPattern"), $"HeaderPattern.{header}", pattern);

        var headersSource = From("Headers");
        var headers = headersSource.GetStringMap("Headers");
        // A literal secret typed at the prompt is the user's choice; a file must reference its secrets.
        var fromPrompt = ReferenceEquals(headersSource, overrides);
        foreach (var (header, value) in headers)
        {
            if (!fromPrompt && SecretRedactor.IsSensitiveName(header) && !SecretResolver.IsReference(value))
                throw headersSource.Error($"header '{header}' carries a secret: give it as a reference, {SecretResolver.ReferenceForms}", $"Headers.{header}");
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
            FollowRedirects = From("FollowRedirects").GetBool("FollowRedirects") ?? true,
            MaxResponseBytes = From("MaxResponseBytes").GetLong("MaxResponseBytes", 1, long.MaxValue) ?? HttpLimits.Api.MaxResponseBytes,
            CaBundle = ExistingFile(From("CaBundle"), "CaBundle", baseDirectory),
            ClientCertificate = ExistingFile(From("ClientCertificate"), "ClientCertificate", baseDirectory),
            ClientKey = ExistingFile(From("ClientKey"), "ClientKey", baseDirectory),
            ClientCertificatePasswordReference = SecretReference(From("ClientCertificatePassword"), "ClientCertificatePassword"),
            ApiKeyReference = SecretReference(From("ApiKey"), "ApiKey"),
            BearerTokenReference = SecretReference(From("BearerToken"), "BearerToken"),
            JsonConditions = jsonConditions,
            HeaderPatterns = headerPatterns,
            CertificateExpiryDays = From("CertificateExpiryDays").GetInt("CertificateExpiryDays", 0, 3650) ?? 14,
            MaxTargetsDownRatio = From("MaxTargetsDownRatio").GetDouble("MaxTargetsDownRatio", 0, 1),
            Namespace = From("Namespace").GetString("Namespace") is { Length: > 0 } ns ? ns : "default",
            LabelSelector = From("LabelSelector").GetString("LabelSelector"),
            RestartWindow = TimeSpan.FromMinutes(From("RestartWindowMin").GetDouble("RestartWindowMin", 0, 7 * 24 * 60) ?? 15),
            Kubeconfig = From("Kubeconfig").GetString("Kubeconfig"),
            Context = From("Context").GetString("Context"),
            CircuitBreakerThreshold = From("CircuitBreakerThreshold").GetInt("CircuitBreakerThreshold", 0, 1000) ?? 0,
            CircuitBreakerCooldown = TimeSpan.FromSeconds(From("CircuitBreakerCooldownSec").GetDouble("CircuitBreakerCooldownSec", 1, 7 * 24 * 3600) ?? 300),
            Severity = From("Severity").GetEnum<HealthSeverity>("Severity", "severity") ?? HealthSeverity.Warning,
            Tags = From("Tags").GetStringList("Tags"),
            Owner = From("Owner").GetString("Owner"),
            DependsOn = [.. entry.GetStringList("DependsOn").Select(d => d.Trim()).Where(d => d.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)],
            Queries = NamedQueries(From("Queries")),
            Origin = entry.Path.Length == 0 ? entry.Origin : $"{entry.Origin}, {entry.Path} ({name})",
        };
    }

    /// <summary>A file named by <paramref name="key"/>, as a full path; a missing one names the key and the file.</summary>
    private static string? ExistingFile(ConfigurationMap source, string key, string? baseDirectory)
    {
        if (source.GetString(key) is not { Length: > 0 } path) return null;
        var full = baseDirectory is null ? Path.GetFullPath(path) : Path.GetFullPath(path, baseDirectory);
        return File.Exists(full) ? full : throw source.Error($"the file '{path}' does not exist", key);
    }

    /// <summary>The Queries map (name to PromQL); an empty query is an error naming it.</summary>
    private static IReadOnlyDictionary<string, string> NamedQueries(ConfigurationMap source)
    {
        var queries = source.GetStringMap("Queries");
        foreach (var (name, query) in queries)
        {
            if (string.IsNullOrWhiteSpace(query)) throw source.Error($"the query '{name}' is empty", $"Queries.{name}");
        }
        return queries;
    }

    private static void ValidateRegex(ConfigurationMap source, string key, string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw source.Error($"'{pattern}' is not a valid regular expression: {ex.Message}", key);
        }
    }

    private static string? SecretReference(ConfigurationMap entry, string key)
    {
        var value = entry.GetString(key);
        if (value is null) return null;
        return SecretResolver.IsReference(value)
            ? value
            : throw entry.Error($"a secret must be a reference, {SecretResolver.ReferenceForms}, never clear text", key);
    }
}
