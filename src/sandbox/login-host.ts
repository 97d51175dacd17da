/** The real login host; msal insists on it, the sandbox network client routes it to loopback. */
export const LOGIN_HOST_NAME = 'login.microsoftonline.com';
