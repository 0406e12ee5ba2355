#include "store/memory_store.h"
