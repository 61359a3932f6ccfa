using OpsAutomation.Core.Logging;

namespace OpsAutomation.Core.Configuration;

/// <summary>
/// Layers settings: a file's <c>Settings</c> map, then <c>OPS_*</c> environment variables, then
/// parameters, each overriding the one before. A bad value names its layer and key.
/// </summary>
public static class SettingsLoader
{
    /// <summary>The setting names, as keys in files and parameters; the variable is OPS_ + upper snake case.</summary>
    public static readonly IReadOnlyList<string> Keys =
        ["StatePath", "StateBusyTimeoutSec", "ThrottleLimit", "TimeoutSec", "RetryCount", "HistoryRetentionDays", "MetricHistoryRetentionHours", "PushGatewayUri", "PushGatewayJob", "PushGatewayTimeoutSec", "LogLevel", "LogToConsole"];

    /// <summary>Accepted log level names; Verbose is PowerShell's word for Debug.</summary>
    private static readonly Dictionary<string, OpsLogLevel> LogLevels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Verbose"] = OpsLogLevel.Debug,
        ["Debug"] = OpsLogLevel.Debug,
        ["Information"] = OpsLogLevel.Information,
        ["Warning"] = OpsLogLevel.Warning,
        ["Error"] = OpsLogLevel.Error,
    };

    /// <param name="file">The file layer, or null.</param>
    /// <param name="environment">Reads environment variables.</param>
    /// <param name="parameters">Values bound on the command line, by setting name.</param>
    public static OpsSettings Load(ConfigurationMap? file, Func<string, string?> environment, IReadOnlyDictionary<string, object?> parameters)
    {
        file?.RejectUnknownKeys(Keys);
        var layers = new List<ConfigurationMap>(3);
        if (file is not null) layers.Add(file);
        layers.Add(EnvironmentLayer(environment));
        // A bad value bound on the command line is named as the parameter a person typed: -PushGatewayUri.
        layers.Add(new ConfigurationMap(parameters, "parameters", "", key => "-" + key));

        var settings = new OpsSettings { StatePath = StatePaths.Default(environment) };
        foreach (var layer in layers)
            settings = Apply(settings, layer);
        return settings;
    }

    /// <summary>OPS_THROTTLE_LIMIT for ThrottleLimit, and so on.</summary>
    public static string EnvironmentName(string key) =>
        "OPS_" + string.Concat(key.Select((c, i) => i > 0 && char.IsUpper(c) && !char.IsUpper(key[i - 1]) ? "_" + c : c.ToString())).ToUpperInvariant();

    private static ConfigurationMap EnvironmentLayer(Func<string, string?> environment)
    {
        var values = ConfigurationTree.NewMap();
        foreach (var key in Keys)
        {
            var value = environment(EnvironmentName(key));
            if (!string.IsNullOrEmpty(value)) values[key] = value;
        }
        return new ConfigurationMap(values, "environment", "", EnvironmentName);
    }

    private static OpsSettings Apply(OpsSettings settings, ConfigurationMap layer)
    {
        var logLevelName = layer.GetString("LogLevel");
        OpsLogLevel? logLevel = null;
        if (logLevelName is not null)
        {
            logLevel = LogLevels.TryGetValue(logLevelName, out var level)
                ? level
                : throw layer.Error($"'{logLevelName}' is not a log level; use one of {string.Join(", ", LogLevels.Keys)}", "LogLevel");
        }

        return settings with
        {
            StatePath = layer.GetString("StatePath") is { Length: > 0 } path ? Path.GetFullPath(path) : settings.StatePath,
            StateBusyTimeoutSec = layer.GetInt("StateBusyTimeoutSec", 1, 3600) ?? settings.StateBusyTimeoutSec,
            ThrottleLimit = layer.GetInt("ThrottleLimit", 1, 1024) ?? settings.ThrottleLimit,
            TimeoutSec = layer.GetDouble("TimeoutSec", 0.001, 3600) ?? settings.TimeoutSec,
            RetryCount = layer.GetInt("RetryCount", 0, 100) ?? settings.RetryCount,
            HistoryRetentionDays = layer.GetInt("HistoryRetentionDays", 1, 3650) ?? settings.HistoryRetentionDays,
            MetricHistoryRetentionHours = layer.GetInt("MetricHistoryRetentionHours", 1, 8760) ?? settings.MetricHistoryRetentionHours,
            PushGatewayUri = ReadUri(layer, "PushGatewayUri") ?? settings.PushGatewayUri,
            PushGatewayJob = layer.GetString("PushGatewayJob") ?? settings.PushGatewayJob,
            PushGatewayTimeoutSec = layer.GetDouble("PushGatewayTimeoutSec", 0.001, 3600) ?? settings.PushGatewayTimeoutSec,
            LogLevel = logLevel ?? settings.LogLevel,
            LogToConsole = layer.GetBool("LogToConsole") ?? settings.LogToConsole,
        };
    }

    private static Uri? ReadUri(ConfigurationMap layer, string key)
    {
        var text = layer.GetString(key);
        if (string.IsNullOrEmpty(text)) return null;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw layer.Error($"'{text}' is not an absolute http(s) URI", key);
    }
}
