using System.Security.Cryptography;
using System.Text;

namespace OpsAutomation.Core.Notifications;

/// <summary>A channel's stable key: its name and a short hash of what tells it apart (a webhook URL, a routing key), never the secret itself.</summary>
internal static class ChannelKey
{
    public static string Of(string name, params string[] identity) =>
        $"{name} #{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", identity))))[..12].ToLowerInvariant()}";
}
