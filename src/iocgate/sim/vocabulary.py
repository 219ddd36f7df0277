"""Word pools and small random helpers for realistic-looking sandbox strings (no real targets)."""

from __future__ import annotations

from collections.abc import Sequence
from random import Random
from typing import TypeVar

__all__ = [
    "ANDROID_INVOKES",
    "ANDROID_PERMISSIONS",
    "CALLS",
    "DLLS",
    "FAMILIES",
    "REGISTRY_KEYS",
    "SERVICES",
    "SYSTEM_PROPERTIES",
    "TAGS",
    "TEXT_HIGHLIGHTS",
    "WINDOWS_SYSTEM_FILES",
    "WORDS",
    "guid",
    "hex_string",
    "pick_some",
    "sandbox_ip",
]

T = TypeVar("T")

WORDS: tuple[str, ...] = (
    "alpha", "amber", "apex", "atlas", "beacon", "birch", "cargo", "cedar", "cipher", "cobalt",
    "delta", "drift", "ember", "falcon", "flux", "garnet", "harbor", "helix", "indigo", "iris",
    "jade", "kestrel", "lumen", "maple", "matrix", "nebula", "nimbus", "onyx", "orbit", "pixel",
    "quartz", "raven", "relay", "sable", "signal", "solar", "tango", "tundra", "umbra", "vector",
    "vertex", "willow", "xenon", "yonder", "zephyr", "invoice", "update", "report", "payroll",
    "sync", "cloud", "portal", "secure", "login", "cdn", "static", "mail", "api", "telemetry",
)  # fmt: skip

FAMILIES: tuple[str, ...] = (
    "AgentTesla", "Emotet", "FormBook", "RedLine", "Remcos", "QakBot", "AsyncRAT", "LockBit",
    "NanoCore", "Lokibot", "Vidar", "SmokeLoader", "njRAT", "GuLoader", "Raccoon",
)  # fmt: skip

DLLS: tuple[str, ...] = (
    "ADVAPI32.dll", "KERNEL32.dll", "USER32.dll", "ntdll.dll", "WS2_32.dll", "CRYPTSP.dll",
    "bcrypt.dll", "WININET.dll", "urlmon.dll", "ole32.dll", "OLEAUT32.dll", "SHELL32.dll",
    "SHLWAPI.dll", "comctl32.dll", "GDI32.dll", "IPHLPAPI.DLL", "DNSAPI.dll", "WINHTTP.dll",
    "CRYPT32.dll", "msvcrt.dll", "VERSION.dll", "uxtheme.dll", "dwmapi.dll", "propsys.dll",
    "profapi.dll", "winmm.dll", "rsaenh.dll", "sspicli.dll", "mswsock.dll", "secur32.dll",
    "clr.dll", "mscoree.dll", "mscoreei.dll", "clrjit.dll", "wbemcomn.dll", "wbemprox.dll",
    "fastprox.dll", "netapi32.dll", "wtsapi32.dll", "userenv.dll", "psapi.dll", "iertutil.dll",
    "imm32.dll", "MSCTF.dll", "CRYPTBASE.dll", "dpapi.dll", "ncrypt.dll", "ntasn1.dll",
    "vaultcli.dll", "winsta.dll", "samcli.dll", "rasapi32.dll", "rtutils.dll", "dhcpcsvc.dll",
)  # fmt: skip

WINDOWS_SYSTEM_FILES: tuple[str, ...] = (
    "C:\\Windows\\system32\\tzres.dll",
    "C:\\Windows\\Globalization\\Sorting\\sortdefault.nls",
    "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "C:\\Windows\\win.ini",
    "C:\\Windows\\system32\\wbem\\wbemdisp.tlb",
    "C:\\Windows\\Fonts\\StaticCache.dat",
    "C:\\ProgramData\\Microsoft\\Windows\\Caches\\cversions.2.db",
    "C:\\Windows\\system32\\en-US\\KernelBase.dll.mui",
    "C:\\Windows\\Microsoft.NET\\Framework\\v4.0.30319\\config\\machine.config",
)

REGISTRY_KEYS: tuple[str, ...] = (
    "HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Windows\\Safer\\CodeIdentifiers",
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\\MachineGuid",
    "HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Control\\SafeBoot\\Option",
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\FontLink\\SystemLink",
    "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Nls\\Sorting\\Versions",
    "HKEY_CURRENT_USER\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings",
    "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders",
    "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\Policy\\Standards",
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows Defender\\Real-Time Protection",
    "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles",
    "HKEY_LOCAL_MACHINE\\HARDWARE\\DESCRIPTION\\System\\BIOS",
    "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Keyboard Layouts",
)

SERVICES: tuple[str, ...] = (
    "WinDefend", "wuauserv", "BITS", "VSS", "Schedule", "WinHttpAutoProxySvc", "Dnscache",
    "LanmanWorkstation", "RpcSs", "SecurityHealthService", "wscsvc", "EventLog",
)  # fmt: skip

CALLS: tuple[str, ...] = (
    "GetTickCount", "IsDebuggerPresent", "GetAdaptersAddresses", "CreateRemoteThread",
    "VirtualAllocEx", "WriteProcessMemory", "NtResumeThread", "SetWindowsHookExW",
    "CryptEncrypt", "InternetOpenUrlA", "URLDownloadToFileW", "RegSetValueExW",
    "GetSystemInfo", "GetComputerNameW", "CheckRemoteDebuggerPresent", "FindWindowW",
    "LoadLibraryA", "GetProcAddress", "NtQuerySystemInformation", "CreateToolhelp32Snapshot",
)  # fmt: skip

TAGS: tuple[str, ...] = (
    "DIRECT_CPU_CLOCK_ACCESS", "RUNTIME_MODULES", "DETECT_DEBUG_ENVIRONMENT", "LONG_SLEEPS",
    "CALLS_WMI", "CHECKS_NETWORK_ADAPTERS", "OBFUSCATED", "PERSISTENCE", "SELF_DELETE",
    "CHECKS_BIOS", "CHECKS_HOSTNAME", "CHECKS_DISK_SPACE", "CHECKS_MEMORY_AVAILABLE",
)  # fmt: skip

TEXT_HIGHLIGHTS: tuple[str, ...] = (
    "&Open", "&Cancel", "Next >", "Install", "I &accept the agreement", "Invoice viewer",
    "Your files have been encrypted", "Update failed, retrying", "Loading document...",
    "Enable content to view this document", "Connection type:", "Setup - Document Viewer",
)  # fmt: skip

SYSTEM_PROPERTIES: tuple[str, ...] = (
    "IWbemServices::ExecQuery - root\\cimv2 : SELECT * FROM Win32_OperatingSystem",
    "IWbemServices::ExecQuery - root\\SecurityCenter2 : SELECT * FROM AntivirusProduct",
    "IWbemServices::ExecQuery - root\\cimv2 : SELECT * FROM Win32_ComputerSystem",
    "IWbemServices::ExecQuery - root\\cimv2 : Select * From Win32_NetworkAdapterConfiguration",
    "IWbemServices::ExecQuery - root\\cimv2 : SELECT * FROM Win32_Processor",
)

ANDROID_PERMISSIONS: tuple[str, ...] = (
    "android.permission.INTERNET", "android.permission.READ_SMS", "android.permission.RECEIVE_SMS",
    "android.permission.READ_CONTACTS", "android.permission.ACCESS_NETWORK_STATE",
    "android.permission.SYSTEM_ALERT_WINDOW", "android.permission.REQUEST_INSTALL_PACKAGES",
    "android.permission.BIND_ACCESSIBILITY_SERVICE", "android.permission.WAKE_LOCK",
)  # fmt: skip

ANDROID_INVOKES: tuple[str, ...] = (
    "sun.misc.Unsafe.getLong", "android.os.Trace.isTagEnabled", "libcore.io.Memory.pokeLong",
    "com.android.org.conscrypt.OpenSSLSocketImpl.setHostname", "java.lang.Class.forName",
    "dalvik.system.DexClassLoader.loadClass", "android.telephony.TelephonyManager.getDeviceId",
    "java.lang.reflect.Method.invoke", "javax.crypto.Cipher.doFinal",
)  # fmt: skip


def pick_some(rng: Random, pool: Sequence[T], low: int, high: int) -> list[T]:
    """Between `low` and `high` distinct items of `pool`, in pool order (stable output)."""
    count = min(len(pool), rng.randint(low, high))
    chosen = set(rng.sample(range(len(pool)), count))
    return [item for index, item in enumerate(pool) if index in chosen]


def hex_string(rng: Random, length: int) -> str:
    """`length` lowercase hex digits."""
    return f"{rng.getrandbits(length * 4):0{length}x}"


def guid(rng: Random) -> str:
    """A braced, upper-case GUID as Windows prints it."""
    raw = hex_string(rng, 32).upper()
    return "{" + f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}" + "}"


def sandbox_ip(rng: Random) -> str:
    """An RFC 5737 documentation address, so nothing looks like a real target."""
    prefix = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
    return f"{prefix}.{rng.randint(1, 254)}"
